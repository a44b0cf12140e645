import Foundation

/// A check's last 90 days as one SVG bar of daily cells (the history's daily rollups: runs, failures and unknowns
/// per UTC day), coloured by the day's failure ratio; a day without runs is grey. Each cell has a `<title>` (the
/// browser's hover text) and classes tests and the stylesheet can select: `day ok|minor|partial|major|unknown|nodata`.
public enum UptimeBar {
    public static let days = 90
    static let cellWidth = 3, gap = 1, height = 24

    /// The class of a day: `nodata` without runs; `ok` without failures (`unknown` when some runs could not tell);
    /// `minor` up to 1 % failed, `partial` up to 10 %, `major` above.
    public static func grade(runs: Int, failures: Int, unknowns: Int) -> String {
        guard runs > 0 else { return "nodata" }
        guard failures > 0 else { return unknowns > 0 ? "unknown" : "ok" }
        let ratio = Double(failures) / Double(runs)
        return ratio <= 0.01 ? "minor" : ratio <= 0.10 ? "partial" : "major"
    }

    static let fills = ["ok": "#2e9d57", "unknown": "#c9a227", "minor": "#9cc84b", "partial": "#e08a2c", "major": "#d0342c",
                        "nodata": "#c8ccd2"]

    /// Passing runs over runs that could tell (unknowns count for neither), or nil without any.
    public static func availability(_ points: [HistoryPoint]) -> Double? {
        var runs = 0, failures = 0
        for p in points { runs += p.stats.runs - p.stats.unknowns; failures += p.stats.failures }
        return runs > 0 ? Double(runs - failures) / Double(runs) : nil
    }

    /// `99.95%`: two decimals, truncated (a day with one failure never reads as 100%).
    public static func percent(_ ratio: Double) -> String {
        let hundredths = Int((ratio * 10_000).rounded(.down))
        return "\(hundredths / 100).\(String(format: "%02d", hundredths % 100))%"
    }

    /// The bar for the 90 UTC days ending with the one `now` falls in; `points` are daily points (others are
    /// grouped into their day).
    public static func svg(_ points: [HistoryPoint], now: Date) -> String {
        let today = HistoryTier.daily.bucketStart(HistoryTime.ms(now))
        var byDay: [Int64: HistoryStats] = [:]
        for p in points {
            let day = HistoryTier.daily.bucketStart(p.startMs)
            if byDay[day] == nil { byDay[day] = p.stats } else { byDay[day]!.merge(p.stats) }
        }
        let width = days * (cellWidth + gap) - gap
        let overall = availability(points).map(percent) ?? "no data"
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="uptime" viewBox="0 0 \(width) \(height)" width="\(width)" height="\(height)" \
            role="img" aria-label="\(days)-day uptime: \(overall)">
            """
        for i in 0..<days {
            let start = today - Int64(days - 1 - i) * HistoryTier.daily.widthMs
            let stats = byDay[start]
            let grade = grade(runs: stats?.runs ?? 0, failures: stats?.failures ?? 0, unknowns: stats?.unknowns ?? 0)
            let name = SVGText.day(HistoryTime.date(start))
            let title: String
            if let stats, stats.runs > 0 {
                let ok = availability([HistoryPoint(startMs: start, stats: stats)]).map(percent) ?? "unknown"
                title = "\(name): \(stats.runs) runs, \(stats.failures) failed, \(stats.unknowns) unknown (\(ok))"
            } else {
                title = "\(name): no data"
            }
            svg += "\n<rect class=\"day \(grade)\" data-day=\"\(name)\" x=\"\(i * (cellWidth + gap))\" y=\"0\" width=\"\(cellWidth)\" "
                + "height=\"\(height)\" fill=\"\(fills[grade]!)\"><title>\(SVGText.escape(title))</title></rect>"
        }
        return svg + "\n</svg>"
    }
}
