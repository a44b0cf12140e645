import Foundation
@testable import StewardCore
import StewardTestSupport
import Testing

/// The dashboard's SVG charts, as pure functions of history points: goldens for the whole markup, and the parts
/// the browser test and the stylesheet select on (classes, data attributes, titles), asserted by name.
@Suite struct DashboardSVGTests {
    static let now = Date(timeIntervalSince1970: 1_764_633_600 + 13 * 3600)  // 2025-12-02T13:00:00Z
    static let day: Int64 = 86_400_000
    static let today = HistoryTier.daily.bucketStart(HistoryTime.ms(now))

    static func point(_ startMs: Int64, runs: Int, failures: Int = 0, unknowns: Int = 0, avgMs: Double = 20) -> HistoryPoint {
        let micros = Int64(avgMs * 1000)
        return HistoryPoint(startMs: startMs, stats: HistoryStats(runs: runs, failures: failures, unknowns: unknowns, minMicros: micros,
                                                                  maxMicros: micros, sumMicros: micros * Int64(runs)))
    }

    /// Today failed badly, yesterday a little, three days ago some runs could not tell; 80 days have no data.
    static let days: [HistoryPoint] = (0..<10).map { back -> HistoryPoint in
        let start = today - Int64(back) * day
        switch back {
        case 0: return point(start, runs: 1000, failures: 200)
        case 1: return point(start, runs: 2880, failures: 3)
        case 2: return point(start, runs: 2880, failures: 100)
        case 3: return point(start, runs: 2880, unknowns: 5)
        default: return point(start, runs: 2880)
        }
    }.reversed()

    @Test func theUptimeBarHasNinetyDaysColouredByTheirFailureRatio() throws {
        let svg = UptimeBar.svg(Self.days, now: Self.now)
        try Golden.assertMatches(svg, "dashboard-uptime.svg")
        #expect(svg.components(separatedBy: "<rect ").count - 1 == 90)
        #expect(svg.components(separatedBy: "class=\"day nodata\"").count - 1 == 80)
        #expect(svg.contains(#"<rect class="day major" data-day="2025-12-02""#))
        #expect(svg.contains(#"<rect class="day minor" data-day="2025-12-01""#))
        #expect(svg.contains(#"<rect class="day partial" data-day="2025-11-30""#))
        #expect(svg.contains(#"<rect class="day unknown" data-day="2025-11-29""#))
        #expect(svg.contains("<title>2025-12-01: 2880 runs, 3 failed, 0 unknown (99.89%)</title>"))
        #expect(svg.contains("<title>2025-09-04: no data</title>"))
    }

    @Test func gradesAndPercentages() {
        #expect(UptimeBar.grade(runs: 0, failures: 0, unknowns: 0) == "nodata")
        #expect(UptimeBar.grade(runs: 10, failures: 0, unknowns: 0) == "ok")
        #expect(UptimeBar.grade(runs: 100, failures: 1, unknowns: 0) == "minor")
        #expect(UptimeBar.grade(runs: 100, failures: 10, unknowns: 0) == "partial")
        #expect(UptimeBar.grade(runs: 100, failures: 11, unknowns: 0) == "major")
        // One failure in a year of runs never reads as 100%.
        #expect(UptimeBar.percent(1 - 1.0 / 1_051_200) == "99.99%")
        #expect(UptimeBar.percent(1) == "100.00%")
        #expect(UptimeBar.availability([]) == nil)
        #expect(UptimeBar.availability([Self.point(0, runs: 4, failures: 1, unknowns: 2)]) == 0.5)
    }

    static let from = now.addingTimeInterval(-24 * 3600)

    static var recent: [HistoryPoint] {
        (0..<12).map { i in
            let start = HistoryTime.ms(now.addingTimeInterval(Double(i - 12) * 7200))
            return point(start, runs: 10, failures: i == 10 ? 4 : 0, avgMs: i >= 9 ? 180 : 20 + Double(i))
        }
    }

    @Test func theSparklineDrawsLatencyFailuresAndDeployMarkers() throws {
        let markers = [
            LatencySparkline.Marker(id: 12, ref: "v1.4.2", operatorName: "alice", at: Self.now.addingTimeInterval(-6 * 3600 - 600)),
            LatencySparkline.Marker(id: 11, ref: "v1.4.1", operatorName: "bob", kind: "rollback", status: "failed",
                                    at: Self.now.addingTimeInterval(-20 * 3600)),
            // Outside the span: not drawn.
            LatencySparkline.Marker(id: 9, ref: "v1.3", operatorName: "bob", at: Self.now.addingTimeInterval(-30 * 3600)),
        ]
        let svg = LatencySparkline.svg(Self.recent, from: Self.from, to: Self.now, markers: markers)
        try Golden.assertMatches(svg, "dashboard-sparkline.svg")
        #expect(svg.contains(#"<line class="deploy-marker" data-deploy-id="12""#))
        #expect(svg.contains("<title>deploy #12 v1.4.2 by alice at 2025-12-02 06:50 UTC</title>"))
        #expect(svg.contains("<title>rollback #11 v1.4.1 by bob (failed) at 2025-12-01 17:00 UTC</title>"))
        #expect(!svg.contains(#"data-deploy-id="9""#))
        #expect(svg.components(separatedBy: "class=\"fail-point\"").count - 1 == 1)
        #expect(svg.contains(#"<polyline class="latency""#))
    }

    @Test func aSparklineWithoutDataSaysSo() {
        let svg = LatencySparkline.svg([], from: Self.from, to: Self.now, markers: [])
        #expect(svg.contains("no latency data") && !svg.contains("<polyline"))
    }

    @Test func valuesFromTheHistoryAreEscapedInTheMarkup() {
        let marker = LatencySparkline.Marker(id: 1, ref: "<script>alert('x')</script>", operatorName: "a\"b&c", at: Self.now.addingTimeInterval(-60))
        let svg = LatencySparkline.svg([], from: Self.from, to: Self.now, markers: [marker])
        #expect(!svg.contains("<script>") && !svg.contains("a\"b"))
        #expect(svg.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; by a&quot;b&amp;c"))
    }

    @Test func numbersHaveOneDecimalAtMost() {
        #expect(SVGText.number(3) == "3")
        #expect(SVGText.number(3.14159) == "3.1")
        #expect(SVGText.number(-0.01) == "0")
        #expect(SVGText.number(.nan) == "0")
        #expect(SVGText.number(359.96) == "360")
    }
}
