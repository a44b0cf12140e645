/// What a rule sees: the facts, the manifest (thresholds, silences) and the inventory derived from both.
public struct AuditContext: Sendable {
    public var facts: Facts
    public var manifest: Manifest
    public var inventory: Inventory

    public init(facts: Facts, manifest: Manifest = .empty) {
        self.facts = facts
        self.manifest = manifest
        self.inventory = Inventory.build(facts: facts, manifest: manifest)
    }

    public var thresholds: Thresholds { manifest.thresholds }
}

/// A rule: a stable id, the worst severity it reports, why it matters, and a pure evaluation.
public struct Rule: Sendable {
    public let id: String
    public let severity: Severity
    public let rationale: String
    public let evaluate: @Sendable (AuditContext) -> [Finding]

    public init(id: String, severity: Severity, rationale: String, evaluate: @escaping @Sendable (AuditContext) -> [Finding]) {
        self.id = id
        self.severity = severity
        self.rationale = rationale
        self.evaluate = evaluate
    }

    /// Builds a finding of this rule.
    public func finding(_ severity: Severity? = nil, subject: String, summary: String, evidence: [String], fix: String) -> Finding {
        Finding(rule: id, severity: severity ?? self.severity, subject: subject, summary: summary, evidence: evidence, fix: fix)
    }
}

/// Every rule Steward knows, in the order `steward rules` lists them.
public enum RuleCatalog {
    public static let all: [Rule] = HostRules.all + ServiceRules.all + UnitRules.all + LogRules.all + LogStorageRules.all
        + PortRules.all + FileRules.all + SecretRules.all + SettingsRules.all + GitRules.all + RuntimeRules.all
        + NginxRules.all + TLSRules.all + NgrokRules.all + DataStoreRules.all + BackupRules.all + SlotRules.all
        + ComposeRules.all

    public static func rule(_ id: String) -> Rule? { all.first { $0.id == id } }

    /// Runs every rule and applies the manifest's silences. Findings come sorted: worst first, then by rule and subject.
    public static func evaluate(_ context: AuditContext) -> [Finding] {
        var findings = all.flatMap { $0.evaluate(context) }
        for i in findings.indices {
            if let silence = context.manifest.silences.first(where: { $0.matches(rule: findings[i].rule, subject: findings[i].subject) }) {
                findings[i].silenced = silence.reason
            }
        }
        return findings.sorted {
            ($0.severity, $1.rule, $1.subject) > ($1.severity, $0.rule, $0.subject)
        }
    }
}
