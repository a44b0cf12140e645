/// Renders a `steward check` run as Nagios / Icinga / Monitoring Plugins output, for `check_by_ssh` or NRPE:
///
///     STEWARD CHECK CRITICAL - 6 checks, 2 failed, 1 unknown: http:marb@prod/health, tls:marb:443, pg:marb | 'service:marb@prod'=1.25ms;;;0 …
///     CRITICAL http:marb@prod/health: database unreachable (expected status == "healthy", found status == "degraded")
///     WARNING tls:marb:443: certificate expires in 5 days (expected …, found …)
///     UNKNOWN pg:marb: connection timed out
///
/// The status word is `CheckReport.exitCode`'s (0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN), which is also the exit
/// status a plugin must return. The first line names up to three checks that did not pass, worst first; its
/// performance data holds each check's duration as `'<id>'=<ms>ms;;;0`. Then one long-output line per check that
/// did not pass, worst first.
///
/// Escaping: labels are always single-quoted, a single quote in an id is doubled, and `=` (which a label cannot
/// hold) becomes `_`. In the text, `|` (the performance-data separator) becomes `/`, a message's line breaks
/// become ` / ` so every check is one line, and control characters are shown as `\x1B`.
public enum CheckNagiosRenderer {
    public static func render(_ report: CheckReport) -> String {
        let results = report.results
        let failed = results.filter { $0.status == .fail }.count
        let unknown = results.filter { $0.status == .unknown }.count
        let notPassing = CheckRendering.notPassing(report)

        var summary = "\(results.count) check\(results.count == 1 ? "" : "s"), \(failed) failed"
        if unknown > 0 { summary += ", \(unknown) unknown" }
        if report.deadlineExceeded { summary += ", deadline exceeded" }
        if !notPassing.isEmpty { summary += ": " + Format.list(notPassing.map { text($0.id) }, max: 3) }
        var first = "STEWARD CHECK \(statusWord(report.exitCode)) - \(summary)"
        if !results.isEmpty {
            first += " | " + results.map { "\(label($0.id))=\(CheckRendering.milliseconds(max(0, $0.durationMs)))ms;;;0" }.joined(separator: " ")
        }

        var out = [first]
        for r in notPassing {
            var line = "\(statusWord(Int32(CheckRendering.state(r)))) \(text(r.id)): " + text(CheckRendering.headline(r))
            if r.status == .fail && !CheckRendering.oneLine(r.message).isEmpty {
                line += " (expected \(text(r.expected)), found \(text(r.found)))"
            }
            if r.attempts > 1 { line += " after \(r.attempts) attempts" }
            out.append(line)
        }
        return out.joined(separator: "\n") + "\n"
    }

    /// The plugin status word for an exit code: 0 OK, 1 WARNING, 2 CRITICAL, anything else UNKNOWN.
    static func statusWord(_ exitCode: Int32) -> String {
        switch exitCode {
        case 0: "OK"
        case 1: "WARNING"
        case 2: "CRITICAL"
        default: "UNKNOWN"
        }
    }

    /// A performance-data label: single-quoted, quotes doubled, `=` and line breaks replaced.
    static func label(_ id: String) -> String {
        let cleaned = CheckRendering.visible(id.split(whereSeparator: \.isNewline).joined(separator: " "))
            .replacingAll("=", with: "_").replacingAll("|", with: "/").replacingAll("'", with: "''")
        return "'\(cleaned)'"
    }

    /// Plugin text: one line, no `|`, no control characters.
    static func text(_ s: String) -> String {
        CheckRendering.oneLine(s).replacingAll("|", with: "/")
    }
}

extension String {
    /// Replaces every occurrence of one character, without Foundation.
    fileprivate func replacingAll(_ target: Character, with replacement: String) -> String {
        var out = ""
        for c in self {
            if c == target { out += replacement } else { out.append(c) }
        }
        return out
    }
}
