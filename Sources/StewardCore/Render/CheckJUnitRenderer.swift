/// Renders a `steward check` run as JUnit XML for CI (Jenkins, GitLab, GitHub test reporters):
///
///     <testsuites name="steward check" tests="5" failures="2" errors="1" time="5.004">
///       <testsuite name="steward check" tests="5" failures="2" errors="1" skipped="0" time="5.004" hostname="marb-1" timestamp="…">
///         <testcase classname="service" name="service:marb@prod" time="0.001"/>
///         <testcase classname="http" name="http:marb@prod/health" time="0.084">
///           <failure message="database unreachable" type="critical">expected: …&#10;found: …</failure>
///         </testcase>
///         <testcase classname="postgres" name="postgres:marb@prod" time="5.000">
///           <error message="connection timed out" type="unknown">…</error>
///         </testcase>
///       </testsuite>
///     </testsuites>
///
/// A failed check is a `<failure>` typed `warning` or `critical`; an unknown one (the probe could not run) is an
/// `<error>`. Times are in seconds. Every value is escaped: `& < > " '`, line breaks and tabs in attributes as
/// character references, and characters XML 1.0 cannot carry at all (NUL, ESC and the other C0 controls) as
/// visible `\x1B` text, so the document always parses.
public enum CheckJUnitRenderer {
    public static func render(_ report: CheckReport) -> String {
        let results = report.results
        let failures = results.filter { $0.status == .fail }.count
        let errors = results.filter { $0.status == .unknown }.count
        let time = CheckRendering.seconds(ms: report.durationMs)
        let counts = "tests=\"\(results.count)\" failures=\"\(failures)\" errors=\"\(errors)\""
        var out = ["<?xml version=\"1.0\" encoding=\"UTF-8\"?>"]
        out.append("<testsuites name=\"steward check\" \(counts) time=\"\(time)\">")
        out.append("  <testsuite name=\"steward check\" \(counts) skipped=\"0\" time=\"\(time)\" hostname=\"\(attribute(report.host))\""
                   + " timestamp=\"\(attribute(report.generatedAt))\">")
        if report.deadlineExceeded {
            out.append("    <properties>")
            out.append("      <property name=\"deadlineExceeded\" value=\"true\"/>")
            out.append("    </properties>")
        }
        for r in results {
            let open = "    <testcase classname=\"\(attribute(r.kind))\" name=\"\(attribute(r.id))\" time=\"\(CheckRendering.seconds(ms: r.durationMs))\""
            switch r.status {
            case .pass:
                out.append(open + "/>")
            case .fail:
                out.append(open + ">")
                let type = r.isCriticalFailure ? "critical" : "warning"
                out.append("      <failure message=\"\(attribute(CheckRendering.headline(r)))\" type=\"\(type)\">\(text(body(r)))</failure>")
                out.append("    </testcase>")
            case .unknown:
                out.append(open + ">")
                out.append("      <error message=\"\(attribute(CheckRendering.headline(r)))\" type=\"unknown\">\(text(body(r)))</error>")
                out.append("    </testcase>")
            }
        }
        out.append("  </testsuite>")
        out.append("</testsuites>")
        return out.joined(separator: "\n") + "\n"
    }

    /// The element text: expected, found, the full message, attempts, app and instance.
    static func body(_ r: CheckResult) -> String {
        var lines = ["expected: \(r.expected)", "found: \(r.found)"]
        if !r.message.isEmpty { lines.append(r.message) }
        if r.attempts > 1 { lines.append("attempts: \(r.attempts)") }
        if let app = r.app { lines.append("app: \(app)" + (r.instance.map { "@\($0)" } ?? "")) }
        return lines.joined(separator: "\n")
    }

    /// Escaped for a double-quoted attribute value: line breaks and tabs kept as character references (a parser
    /// would otherwise normalise them to spaces).
    static func attribute(_ s: String) -> String { escape(s, inAttribute: true) }

    /// Escaped for element content: line breaks kept as they are (a carriage return as `&#13;`).
    static func text(_ s: String) -> String { escape(s, inAttribute: false) }

    static func escape(_ s: String, inAttribute: Bool) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u.value {
            case 0x26: out += "&amp;"
            case 0x3C: out += "&lt;"
            case 0x3E: out += "&gt;"
            case 0x22: out += "&quot;"
            case 0x27: out += "&apos;"
            case 0x09: out += inAttribute ? "&#9;" : "\t"
            case 0x0A: out += inAttribute ? "&#10;" : "\n"
            case 0x0D: out += "&#13;"
            // Not allowed in XML 1.0 even as a character reference.
            case 0x00..<0x20, 0xFFFE, 0xFFFF: out += "\\x" + CheckRendering.hex(u.value, width: 2)
            // Allowed but discouraged: written as references so they survive any transport.
            case 0x7F..<0xA0: out += "&#x" + CheckRendering.hex(u.value, width: 2) + ";"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
