/// Renders a report for a terminal: a header, then findings grouped by severity, each with evidence and fix.
public struct TextRenderer: Sendable {
    public var color: Bool

    public init(color: Bool) { self.color = color }

    func paint(_ s: String, _ code: String) -> String { color ? "\u{1B}[\(code)m\(s)\u{1B}[0m" : s }

    func badge(_ severity: Severity) -> String {
        switch severity {
        case .critical: paint("CRITICAL", "1;31")
        case .warning: paint("WARNING", "1;33")
        case .info: paint("INFO", "1;36")
        }
    }

    /// `marb@prod: active, port 8000 (PORT in /etc/marb/prod.env), fastapi (uvicorn in ExecStart), production (env
    /// ENVIRONMENT=production in /etc/marb/prod.env)`.
    static func describe(_ i: Inventory.Instance, unit: UnitFacts?) -> String {
        var parts = [unit?.activeState ?? "?"]
        if let port = i.port { parts.append("port \(port)" + (i.portSource.map { " (\($0))" } ?? "")) }
        parts.append(i.kind + (i.kindEvidence.map { " (\($0))" } ?? ""))
        if let main = i.partOf { parts.append("part of \(main)" + (i.partOfReason.map { " (\($0))" } ?? "")) }
        if i.production { parts.append("production" + (i.productionReason.map { " (\($0))" } ?? "")) }
        return "\(i.label): " + parts.joined(separator: ", ")
    }

    public func render(_ report: AuditReport) -> String {
        var out: [String] = []
        let h = report.facts.host
        out.append(paint("steward audit", "1") + " — \(report.host.hostname) (\(report.host.kernel), \(report.host.architecture))")
        if let h {
            out.append("up \(Format.duration(seconds: h.uptimeSeconds)), load \(h.load.map { String(format2: $0) }.joined(separator: " ")), memory \(Format.bytes(h.memory.totalBytes - h.memory.availableBytes)) of \(Format.bytes(h.memory.totalBytes)) used")
        }
        let apps = report.inventory.filter { $0.role == .app }
        if !apps.isEmpty {
            // One line per unit with the evidence of each judgement: an operator sees why, and can disagree.
            out.append("apps:")
            for i in apps { out.append("  " + Self.describe(i, unit: report.facts.unit(i.unit))) }
        }
        let active = report.activeFindings
        let counts = Severity.allCases.reversed().map { s in "\(active.filter { $0.severity == s }.count) \(s.rawValue)" }
        out.append("findings: " + counts.joined(separator: ", ") + (report.findings.count > active.count ? ", \(report.findings.count - active.count) silenced" : ""))
        out.append("")
        for severity in Severity.allCases.reversed() {
            let group = active.filter { $0.severity == severity }
            guard !group.isEmpty else { continue }
            out.append(paint("── \(severity.rawValue.uppercased()) (\(group.count))", "1"))
            for f in group { out += lines(f) }
            out.append("")
        }
        let silenced = report.findings.filter { $0.silenced != nil }
        if !silenced.isEmpty {
            out.append(paint("── SILENCED (\(silenced.count))", "1"))
            for f in silenced { out.append("  \(f.rule) \(f.subject): \(f.silenced ?? "")") }
            out.append("")
        }
        let unknown = report.probes.filter { $0.status == .unknown }
        if !unknown.isEmpty {
            out.append(paint("── PROBES THAT COULD NOT RUN", "1"))
            for p in unknown { out.append("  \(p.name): \(p.reason ?? "unknown")") }
            out.append("")
        }
        if active.isEmpty {
            out.append(unknown.isEmpty ? paint("No findings.", "32") : paint("No findings among what could be checked: the audit is incomplete (exit 3).", "33"))
        }
        out.append("audit took \(report.durationMs) ms")
        return out.joined(separator: "\n") + "\n"
    }

    func lines(_ f: Finding) -> [String] {
        var out = ["\(badge(f.severity)) \(paint(f.rule, "1")) \(f.subject)", "  \(f.summary)"]
        out += f.evidence.map { "    · \($0)" }
        out.append("  " + paint("fix:", "32") + " \(f.fix)")
        return out
    }
}

extension String {
    /// Two decimals, without Foundation's locale-dependent formatting.
    init(format2 value: Double) {
        guard value.isFinite, abs(value) < 1e15 else { self = "?"; return }
        let hundredths = Int((value * 100).rounded())
        let frac = abs(hundredths % 100)
        self = "\(hundredths / 100).\(frac < 10 ? "0" : "")\(frac)"
    }
}
