/// The result of one audit run: what renderers turn into text, JSON and Markdown.
///
/// JSON schema (stable; fields are only ever added):
/// `{"schemaVersion":1, "host":{hostname,kernel,architecture}, "generatedAt":ISO8601, "facts":Facts,
///   "inventory":[Instance], "findings":[{rule,severity,subject,summary,evidence,fix,silenced?}],
///   "probes":[{name,status,reason?,durationMs}], "durationMs":Int}`
/// An Instance says why it was judged so: `productionReason`, `kindEvidence`, `portSource`, `partOf`/`partOfReason`.
public struct AuditReport: Sendable, Codable, Equatable {
    public struct HostIdentity: Sendable, Codable, Equatable {
        public var hostname: String
        public var kernel: String
        public var architecture: String
    }

    public var schemaVersion: Int = 1
    public var host: HostIdentity
    public var generatedAt: String
    public var facts: Facts
    public var inventory: [Inventory.Instance]
    public var findings: [Finding]
    public var probes: [ProbeReport]
    public var durationMs: Int

    public init(facts: Facts, context: AuditContext, findings: [Finding], probes: [ProbeReport], generatedAt: String, durationMs: Int) {
        self.host = HostIdentity(hostname: facts.host?.hostname ?? "unknown", kernel: facts.host?.kernel ?? "",
                                 architecture: facts.host?.architecture ?? "")
        self.generatedAt = generatedAt
        // The report is what leaves the process: command lines are scrubbed here whatever built the facts.
        var facts = facts
        for i in facts.units.indices { facts.units[i].execStart = Redactor.scrub(facts.units[i].execStart) }
        self.facts = facts
        self.inventory = context.inventory.instances
        self.findings = findings
        self.probes = probes
        self.durationMs = durationMs
    }

    /// Findings that count: not silenced.
    public var activeFindings: [Finding] { findings.filter { $0.silenced == nil } }

    /// The findings and the probes with the host's identity alone: no facts, no inventory (what `steward serve`
    /// records of an audit, a fraction of the size to encode and read back). The secrets the facts held are masked in
    /// what remains first, since an encoder masking by the facts would no longer know them.
    public var brief: AuditReport {
        let secrets = Redactor.knownSecrets(in: facts)
        func mask(_ text: String) -> String { secrets.isEmpty ? text : Redactor.maskKnown(secrets, in: text) }
        var short = self
        short.findings = findings.map { finding in
            var f = finding
            f.subject = mask(f.subject)
            f.summary = mask(f.summary)
            f.evidence = f.evidence.map(mask)
            f.fix = mask(f.fix)
            return f
        }
        short.probes = probes.map { probe in
            var p = probe
            p.reason = p.reason.map(mask)
            return p
        }
        short.facts = Facts(host: facts.host.map { HostFacts(hostname: $0.hostname, kernel: $0.kernel, architecture: $0.architecture) })
        short.inventory = []
        return short
    }

    /// Nagios convention: 0 nothing at warning or worse, 1 warnings, 2 critical, and 3 (UNKNOWN) when nothing is
    /// wrong as far as the audit could see but a probe could not run: "no findings" would then be a guess.
    public var exitCode: Int32 {
        switch activeFindings.map(\.severity).max() {
        case .critical: 2
        case .warning: 1
        default: probes.contains { $0.status == .unknown } ? 3 : 0
        }
    }
}
