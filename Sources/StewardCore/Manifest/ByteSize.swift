/// Sizes as written in `steward.yml` and shown in reports. Units are binary: `K` = `KiB` = `KB` = 1024 bytes.
public enum ByteSize {
    private static let units: [(suffixes: [String], multiplier: Int64)] = [
        (["", "b"], 1),
        (["k", "kb", "ki", "kib"], 1 << 10),
        (["m", "mb", "mi", "mib"], 1 << 20),
        (["g", "gb", "gi", "gib"], 1 << 30),
        (["t", "tb", "ti", "tib"], 1 << 40),
    ]

    /// Parses `512MiB`, `2GiB`, `1.5G`, `100M`, `10K`, `2 GiB` or plain bytes (`1024`); case-insensitive.
    /// Returns nil for anything else: negative or fractional byte counts, unknown units, overflow.
    public static func parse(_ text: String) -> Int64? {
        let trimmed = text.trimmingSpaces()
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = trimmed.dropFirst(number.count).trimmingSpaces().lowercased()
        guard let first = number.first, first.isNumber, number.filter({ $0 == "." }).count <= 1,
              number.last != ".",
              let multiplier = units.first(where: { $0.suffixes.contains(suffix) })?.multiplier
        else { return nil }
        if !number.contains(".") {
            guard let value = Int64(number) else { return nil }
            let (bytes, overflow) = value.multipliedReportingOverflow(by: multiplier)
            return overflow ? nil : bytes
        }
        guard multiplier > 1, let value = Double(number) else { return nil }
        let bytes = (value * Double(multiplier)).rounded()
        guard bytes < 9.0e18 else { return nil }
        return Int64(bytes)
    }

    /// `2 GiB`, `512 MiB`, `1.6 GiB`, `1000 B`: the largest binary unit, at most one decimal.
    public static func format(_ bytes: Int64) -> String {
        let names = ["B", "KiB", "MiB", "GiB", "TiB"]
        var index = 0
        while index + 1 < names.count, abs(bytes) >= Int64(1) << (10 * (index + 1)) { index += 1 }
        if index == 0 { return "\(bytes) B" }
        let tenths = Int64((Double(bytes) / Double(Int64(1) << (10 * index)) * 10).rounded())
        let whole = tenths / 10, fraction = abs(tenths % 10)
        return fraction == 0 ? "\(whole) \(names[index])" : "\(whole).\(fraction) \(names[index])"
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces and tabs.
    func trimmingSpaces() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) }) else {
            return ""
        }
        return String(self[start...end])
    }
}
