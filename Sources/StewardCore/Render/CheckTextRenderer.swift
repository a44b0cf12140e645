/// Renders a `steward check` run for a terminal: one line per check in declaration order (marker, id, duration),
/// the expected and found values and the message under each check that did not pass, then a recap of the checks
/// that did not pass and a summary line:
///
///     ok       service:marb@prod        1.2 ms
///     FAIL     http:marb@prod/health     84 ms  critical
///                expected: status == "healthy"
///                found:    status == "degraded"
///                database unreachable
///     ...
///     12 checks: 10 passed, 1 failed (1 critical), 1 unknown in 84 ms
///
/// With colour the markers are ✓ ✗ ? painted by outcome; without colour the renderer's own text is plain ASCII
/// (markers `ok`, `FAIL`, `UNKNOWN`) so it survives any log collector. Control characters a probe or a server put
/// in a message are shown as `\x1B` escapes, never sent to the terminal.
public struct CheckTextRenderer: Sendable {
    public var color: Bool

    public init(color: Bool) { self.color = color }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    /// The marker and its visible width (escape codes excluded), so columns line up with or without colour.
    func marker(_ r: CheckResult) -> String {
        switch r.status {
        case .pass: color ? paint("✓", "32") : "ok"
        case .fail: color ? paint("✗", r.isCriticalFailure ? "1;31" : "1;33") : "FAIL"
        case .unknown: color ? paint("?", "1;35") : "UNKNOWN"
        }
    }

    var markerWidth: Int { color ? 1 : 7 }

    func markerVisibleWidth(_ r: CheckResult) -> Int {
        if color { return 1 }
        switch r.status {
        case .pass: return 2
        case .fail: return 4
        case .unknown: return 7
        }
    }

    func level(_ r: CheckResult) -> String {
        switch r.status {
        case .pass: "ok"
        case .fail: r.isCriticalFailure ? paint("critical", "1;31") : paint("warning", "1;33")
        case .unknown: paint("unknown", "1;35")
        }
    }

    public func render(_ report: CheckReport) -> String {
        var out: [String] = []
        out.append(paint("steward check", "1") + (color ? " — " : " - ") + CheckRendering.visible(report.host))
        out.append("")
        let ids = report.results.map { CheckRendering.visible($0.id) }
        let idWidth = min(ids.map(\.count).max() ?? 0, 48)
        let durations = report.results.map { CheckRendering.humanDuration(ms: $0.durationMs) }
        let durationWidth = durations.map(\.count).max() ?? 0
        let indent = String(repeating: " ", count: markerWidth + 4)
        for (i, r) in report.results.enumerated() {
            var line = marker(r) + String(repeating: " ", count: markerWidth - markerVisibleWidth(r) + 2)
            line += ids[i] + String(repeating: " ", count: max(0, idWidth - ids[i].count)) + "  "
            line += String(repeating: " ", count: durationWidth - durations[i].count) + durations[i]
            var extras: [String] = []
            if r.status == .fail { extras.append(level(r)) }
            if r.attempts > 1 { extras.append("(\(r.attempts) attempts)") }
            if !extras.isEmpty { line += "  " + extras.joined(separator: " ") }
            out.append(line)
            guard r.status != .pass else { continue }
            if r.status == .fail {
                out.append(indent + "expected: " + CheckRendering.oneLine(r.expected))
                out.append(indent + "found:    " + CheckRendering.oneLine(r.found))
            }
            for m in CheckRendering.lines(r.message) { out.append(indent + m) }
        }
        out.append("")

        let notPassing = CheckRendering.notPassing(report)
        if !notPassing.isEmpty {
            out.append(paint(color ? "── NOT PASSING (\(notPassing.count))" : "-- NOT PASSING (\(notPassing.count))", "1"))
            for r in notPassing {
                let word = r.status == .unknown ? "unknown" : (r.isCriticalFailure ? "critical" : "warning")
                let pad = String(repeating: " ", count: 8 - word.count)
                out.append("  " + level(r) + pad + " " + CheckRendering.visible(r.id) + ": " + CheckRendering.headline(r))
            }
            out.append("")
        }
        if report.deadlineExceeded {
            out.append(paint("The run's total deadline passed: checks that had not finished are unknown.", "33"))
        }
        out.append(summary(report))
        return out.joined(separator: "\n") + "\n"
    }

    /// `12 checks: 10 passed, 1 failed (1 critical), 1 unknown in 84 ms`.
    func summary(_ report: CheckReport) -> String {
        let results = report.results
        let passed = results.filter { $0.status == .pass }.count
        let failed = results.filter { $0.status == .fail }
        let critical = failed.filter(\.isCriticalFailure).count
        let unknown = results.filter { $0.status == .unknown }.count
        var failedText = "\(failed.count) failed"
        if !failed.isEmpty {
            var parts: [String] = []
            if critical > 0 { parts.append("\(critical) critical") }
            if failed.count - critical > 0 { parts.append("\(failed.count - critical) warning") }
            failedText += " (" + parts.joined(separator: ", ") + ")"
        }
        let text = "\(results.count) check\(results.count == 1 ? "" : "s"): \(passed) passed, \(failedText), \(unknown) unknown"
            + " in \(CheckRendering.humanDuration(ms: report.durationMs))"
        switch report.exitCode {
        case 0: return paint(text, "32")
        case 2: return paint(text, "1;31")
        default: return paint(text, "33")
        }
    }
}

/// Formatting shared by the check renderers: durations without Foundation's locale, control characters made
/// visible, the order in which non-passing checks are listed.
enum CheckRendering {
    /// `0.4 ms`, `84 ms`, `5.0 s`.
    static func humanDuration(ms: Double) -> String {
        guard ms.isFinite, ms >= 0, ms < 1e12 else { return "? ms" }
        if ms < 9.95 { return decimal(ms, places: 1) + " ms" }
        if ms < 999.5 { return "\(Int(ms.rounded())) ms" }
        return decimal(ms / 1000, places: 1) + " s"
    }

    /// Seconds from milliseconds, at least 3 and at most 6 decimals: `0.084`, `0.0004`, `5.000`. `NaN` when not finite.
    static func seconds(ms: Double) -> String {
        guard ms.isFinite, abs(ms) < 1e12 else { return "NaN" }
        let micro = Int64((ms * 1000).rounded())
        let sign = micro < 0 ? "-" : ""
        let whole = abs(micro) / 1_000_000
        var frac = String(abs(micro) % 1_000_000)
        frac = String(repeating: "0", count: 6 - frac.count) + frac
        while frac.count > 3 && frac.hasSuffix("0") { frac.removeLast() }
        return "\(sign)\(whole).\(frac)"
    }

    /// Milliseconds with at most 3 decimals and no trailing zeros: `84`, `1.25`, `0.05`.
    static func milliseconds(_ ms: Double) -> String {
        guard ms.isFinite, abs(ms) < 1e12 else { return "0" }
        let thousandths = Int64((ms * 1000).rounded())
        let sign = thousandths < 0 ? "-" : ""
        let whole = abs(thousandths) / 1000
        var frac = String(abs(thousandths) % 1000)
        frac = String(repeating: "0", count: 3 - frac.count) + frac
        while frac.hasSuffix("0") { frac.removeLast() }
        return "\(sign)\(whole)" + (frac.isEmpty ? "" : ".\(frac)")
    }

    static func decimal(_ value: Double, places: Int) -> String {
        var scale = 1.0
        for _ in 0..<places { scale *= 10 }
        let scaled = Int64((value * scale).rounded())
        let unit = Int64(scale)
        let frac = String(abs(scaled) % unit)
        return "\(scaled < 0 ? "-" : "")\(abs(scaled) / unit)." + String(repeating: "0", count: places - frac.count) + frac
    }

    /// Control characters (C0 but tab, DEL, C1) as `\x1B` / `\u0085`, tab as a space: nothing a terminal or a log
    /// viewer would interpret.
    static func visible(_ s: String) -> String {
        var out = ""
        out.unicodeScalars.reserveCapacity(s.unicodeScalars.count)
        for u in s.unicodeScalars {
            switch u.value {
            case 0x09: out.unicodeScalars.append(" ")
            case 0x00..<0x20, 0x7F: out += "\\x" + hex(u.value, width: 2)
            case 0x80..<0xA0: out += "\\u" + hex(u.value, width: 4)
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }

    static func hex(_ v: UInt32, width: Int) -> String {
        let h = String(v, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, width - h.count)) + h
    }

    /// The non-empty lines of a (possibly multi-line) text, each made visible.
    static func lines(_ s: String) -> [String] {
        s.split(whereSeparator: \.isNewline).map { visible(String($0)) }.filter { $0.contains { !$0.isWhitespace } }
    }

    /// A text on one line: its lines joined with ` / `.
    static func oneLine(_ s: String) -> String { lines(s).joined(separator: " / ") }

    /// What a person reads first about a check that did not pass: its message, or expected vs found.
    static func headline(_ r: CheckResult) -> String {
        let message = oneLine(r.message)
        if !message.isEmpty { return message }
        if r.status == .unknown { return "could not be judged" }
        return "expected \(oneLine(r.expected)), found \(oneLine(r.found))"
    }

    /// Checks that did not pass, worst first (critical failures, warning failures, unknown), declaration order within.
    static func notPassing(_ report: CheckReport) -> [CheckResult] {
        let failed = report.results.filter { $0.status == .fail }
        return failed.filter(\.isCriticalFailure) + failed.filter { !$0.isCriticalFailure } + report.results.filter { $0.status == .unknown }
    }

    /// The result's state, as `CheckReport.exitCode` counts it: 0 pass, 1 warning failure, 2 critical failure, 3 unknown.
    static func state(_ r: CheckResult) -> Int {
        switch r.status {
        case .pass: 0
        case .fail: r.isCriticalFailure ? 2 : 1
        case .unknown: 3
        }
    }
}

extension CheckResult {
    /// A failure counted as critical (anything else that fails counts as a warning, as in `CheckReport.exitCode`).
    var isCriticalFailure: Bool { status == .fail && severity == .critical }
}
