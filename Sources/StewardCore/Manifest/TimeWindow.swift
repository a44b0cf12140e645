/// Durations as written in `steward.yml`: a whole number and a unit, `30m`, `6h`, `24h`, `7d`, `2w`.
public enum TimeWindow {
    static let maxMinutes = 10 * 366 * 24 * 60
    private static let minutesPerUnit: [Character: Int] = ["m": 1, "h": 60, "d": 24 * 60, "w": 7 * 24 * 60]

    /// Minutes in `text`, or nil when it is not a whole number followed by `m`, `h`, `d` or `w`
    /// (spaces allowed between them). `0h` gives 0; the caller decides whether that is allowed.
    public static func parseMinutes(_ text: String) -> Int? {
        let trimmed = text.trimmingSpaces()
        guard let unit = trimmed.last, let perUnit = minutesPerUnit[Character(unit.lowercased())] else { return nil }
        let digits = trimmed.dropLast().trimmingSpaces()
        guard !digits.isEmpty, digits.allSatisfy({ $0.isASCII && $0.isNumber }), let count = Int(digits) else {
            return nil
        }
        let (minutes, overflow) = count.multipliedReportingOverflow(by: perUnit)
        // Ten years is far beyond any journal; the bound also keeps later arithmetic from overflowing.
        return overflow || minutes > maxMinutes ? nil : minutes
    }

    /// Whole hours in `text`, rounded up: `30m` → 1, `90m` → 2, `24h` → 24, `7d` → 168.
    public static func parseHours(_ text: String) -> Int? {
        parseMinutes(text).map { ($0 + 59) / 60 }
    }
}
