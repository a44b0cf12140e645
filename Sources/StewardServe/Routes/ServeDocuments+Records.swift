import Foundation
import StewardCore
import StewardSystem

/// The documents of the record routes: `steward.serve.checks/1`, `findings/1`, `deploys/1`, `backups/1`.
/// Deploy errors and finding evidence come from the state and history databases, which never hold secret values
/// (the engines and the audit scrub them before they record).
extension ServeDocuments {
    struct Checks: Encodable {
        var schema = "steward.serve.checks/1"
        var generatedAt: Date
        var checks: [Check]
        enum CodingKeys: String, CodingKey { case schema, checks, generatedAt = "generated_at" }
    }

    struct Findings: Encodable {
        var schema = "steward.serve.findings/1"
        var generatedAt: Date
        var state: String
        var findings: [Finding]
        enum CodingKeys: String, CodingKey { case schema, state, findings, generatedAt = "generated_at" }
    }

    struct Finding: Encodable {
        var rule: String
        var subject: String
        var severity: String
        var summary: String
        var evidence: [String]
        var fix: String
        var firstSeen: Date
        var lastSeen: Date
        var resolvedAt: Date?
        enum CodingKeys: String, CodingKey {
            case rule, subject, severity, summary, evidence, fix
            case firstSeen = "first_seen", lastSeen = "last_seen", resolvedAt = "resolved_at"
        }

        init(_ f: HistoryFinding) {
            rule = f.rule
            subject = f.subject
            severity = f.severity.rawValue
            summary = f.summary
            evidence = f.evidence
            fix = f.fix
            firstSeen = f.firstSeen
            lastSeen = f.lastSeen
            resolvedAt = f.resolvedAt
        }
    }

    struct Deploys: Encodable {
        var schema = "steward.serve.deploys/1"
        var generatedAt: Date
        /// Newest first.
        var deploys: [Deploy]
        enum CodingKeys: String, CodingKey { case schema, deploys, generatedAt = "generated_at" }
    }

    struct Deploy: Encodable {
        var id: Int64
        var app: String
        var instance: String
        var kind: String
        var status: String
        var ref: String
        var commit: String
        var previousCommit: String?
        var operatorName: String
        var startedAt: Date
        var finishedAt: Date?
        var error: String?
        enum CodingKeys: String, CodingKey {
            case id, app, instance, kind, status, ref, commit, error
            case previousCommit = "previous_commit", operatorName = "operator", startedAt = "started_at", finishedAt = "finished_at"
        }

        init(_ d: HistoryDeploy) {
            id = d.id
            app = d.app
            instance = d.instance
            kind = d.kind
            status = d.status
            ref = d.ref
            commit = d.commit
            previousCommit = d.previousCommit
            operatorName = d.operatorName
            startedAt = d.startedAt
            finishedAt = d.finishedAt
            error = d.error
        }
    }

    struct Backups: Encodable {
        var schema = "steward.serve.backups/1"
        var generatedAt: Date
        /// Newest first, pruned ones with `removed_at`.
        var backups: [Backup]
        enum CodingKeys: String, CodingKey { case schema, backups, generatedAt = "generated_at" }
    }

    struct Backup: Encodable {
        var id: Int64
        var app: String
        var instance: String
        var source: String
        var kind: String
        var createdAt: Date
        var sizeBytes: Int64
        var reason: String
        var verifiedAt: Date?
        var verificationPassed: Bool?
        var removedAt: Date?
        enum CodingKeys: String, CodingKey {
            case id, app, instance, source, kind, reason
            case createdAt = "created_at", sizeBytes = "size_bytes", verifiedAt = "verified_at"
            case verificationPassed = "verification_passed", removedAt = "removed_at"
        }

        init(_ b: HistoryBackup) {
            id = b.id
            app = b.app
            instance = b.instance
            source = b.source
            kind = b.kind
            createdAt = b.createdAt
            sizeBytes = b.sizeBytes
            reason = b.reason
            verifiedAt = b.verifiedAt
            verificationPassed = b.lastVerificationPassed
            removedAt = b.removedAt
        }
    }
}
