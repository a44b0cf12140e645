import Foundation

/// A check's recent latency as an SVG sparkline: one polyline of the average latency per point (5-minute buckets
/// for the last day), failed buckets marked with a red dot, and each deploy of the check's instance in the span as
/// a vertical line (`class="deploy-marker"`, `data-deploy-id`, a `<title>` "deploy #12 v1.4.2 by alice"), so a
/// slowdown that follows a deploy shows where it began.
public enum LatencySparkline {
    public static let width = 360.0, height = 40.0

    /// A deploy to mark.
    public struct Marker: Sendable, Equatable {
        public var id: Int64
        public var ref: String
        public var operatorName: String
        public var kind: String
        public var status: String
        public var at: Date

        public init(id: Int64, ref: String, operatorName: String, kind: String = "deploy", status: String = "succeeded", at: Date) {
            self.id = id
            self.ref = ref
            self.operatorName = operatorName
            self.kind = kind
            self.status = status
            self.at = at
        }

        /// `deploy #12 v1.4.2 by alice` (`rollback #13 …`, and `(failed)` when it did not succeed).
        public var title: String {
            "\(kind) #\(id) \(ref) by \(operatorName)" + (status == "succeeded" || status == "running" ? "" : " (\(status))")
        }
    }

    public static func svg(_ points: [HistoryPoint], from: Date, to: Date, markers: [Marker]) -> String {
        let span = max(1, to.timeIntervalSince(from))
        func x(_ date: Date) -> Double { min(width, max(0, date.timeIntervalSince(from) / span * width)) }
        let measured = points.filter { $0.stats.runs > $0.stats.unknowns }
        let peak = max(1, measured.map(\.stats.avgMs).max() ?? 1)
        func y(_ ms: Double) -> Double { height - 3 - ms / peak * (height - 6) }
        let w = SVGText.number(width), h = SVGText.number(height)
        var svg = """
            <svg xmlns="http://www.w3.org/2000/svg" class="sparkline" viewBox="0 0 \(w) \(h)" width="\(w)" height="\(h)" role="img" \
            aria-label="latency, peak \(SVGText.number(peak)) ms">
            """
        if measured.isEmpty {
            svg += "\n<text class=\"nodata\" x=\"4\" y=\"24\" font-size=\"11\" fill=\"#6b7280\">no latency data</text>"
        } else {
            let coordinates = measured.map { "\(SVGText.number(x($0.start))),\(SVGText.number(y($0.stats.avgMs)))" }
            svg += "\n<polyline class=\"latency\" fill=\"none\" stroke=\"#2563eb\" stroke-width=\"1.2\" points=\"\(coordinates.joined(separator: " "))\">"
                + "<title>average latency, peak \(SVGText.number(peak)) ms</title></polyline>"
            for p in measured where p.stats.failures > 0 {
                svg += "\n<circle class=\"fail-point\" cx=\"\(SVGText.number(x(p.start)))\" cy=\"\(SVGText.number(y(p.stats.avgMs)))\" r=\"1.8\" "
                    + "fill=\"#d0342c\"><title>\(SVGText.minute(p.start)): \(p.stats.failures) of \(p.stats.runs) runs failed</title></circle>"
            }
        }
        for marker in markers where marker.at >= from && marker.at <= to {
            let at = SVGText.number(x(marker.at))
            svg += "\n<line class=\"deploy-marker\" data-deploy-id=\"\(marker.id)\" x1=\"\(at)\" y1=\"0\" x2=\"\(at)\" y2=\"\(h)\" "
                + "stroke=\"#7c3aed\" stroke-width=\"1.5\" stroke-dasharray=\"3 2\"><title>\(SVGText.escape(marker.title)) at "
                + "\(SVGText.minute(marker.at))</title></line>"
        }
        return svg + "\n</svg>"
    }
}
