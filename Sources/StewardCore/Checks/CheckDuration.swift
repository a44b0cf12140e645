/// Durations of checks as written in a checks file: a number and a unit, `250ms`, `2s`, `1.5s`, `1m`, `1h`.
public enum CheckDuration {
    /// Ten years: far beyond any timeout, and small enough that later arithmetic cannot overflow.
    static let maxMilliseconds = 10 * 366 * 24 * 3_600_000
    private static let units: [(suffix: String, milliseconds: Int)] = [
        ("ms", 1), ("s", 1000), ("m", 60_000), ("h", 3_600_000),
    ]

    /// Milliseconds in `text`, or nil when it is not a number followed by `ms`, `s`, `m` or `h` (case-insensitive,
    /// spaces allowed between them), or when it is not a whole number of milliseconds (`0.5ms`). `0s` gives 0;
    /// the caller decides whether that is allowed.
    public static func parseMilliseconds(_ text: String) -> Int? {
        let trimmed = text.trimmingSpaces()
        let number = trimmed.prefix { $0.isASCII && ($0.isNumber || $0 == ".") }
        let suffix = trimmed.dropFirst(number.count).trimmingSpaces().lowercased()
        guard let first = number.first, first.isNumber, number.last != ".", number.filter({ $0 == "." }).count <= 1,
              let perUnit = units.first(where: { $0.suffix == suffix })?.milliseconds
        else { return nil }
        // Exact decimal arithmetic: 1.1s is 1100ms, not 1100.0000000000002.
        let parts = number.split(separator: ".", omittingEmptySubsequences: false)
        let fraction = parts.count == 2 ? parts[1] : ""
        guard fraction.count <= 9, let whole = Int(parts[0]), let fractionDigits = Int(fraction.isEmpty ? "0" : fraction)
        else { return nil }
        var scale = 1
        for _ in 0..<fraction.count { scale *= 10 }
        let (wholeMilliseconds, overflow) = whole.multipliedReportingOverflow(by: perUnit)
        guard !overflow, (fractionDigits * perUnit) % scale == 0 else { return nil }
        let milliseconds = wholeMilliseconds + fractionDigits * perUnit / scale
        return milliseconds > maxMilliseconds ? nil : milliseconds
    }

    /// `250ms`, `2s`, `1.5s`, `1m`, `90s`, `1h`: the largest unit that shows the value exactly with at most one decimal.
    public static func format(milliseconds: Int) -> String {
        for (suffix, perUnit) in units.reversed() where perUnit > 1 && milliseconds != 0 {
            if milliseconds % perUnit == 0 { return "\(milliseconds / perUnit)\(suffix)" }
            if suffix == "s", milliseconds >= 1000, milliseconds % 100 == 0 {
                return "\(milliseconds / 1000).\(milliseconds % 1000 / 100)s"
            }
        }
        return "\(milliseconds)ms"
    }
}
