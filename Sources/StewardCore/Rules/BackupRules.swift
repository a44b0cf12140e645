import Foundation

/// Rules about backups: an app whose database was never backed up, a newest backup that is too old, and backups that
/// were never proven by a restore, or failed the proof.
enum BackupRules {
    static let all = [missing, stale, unverified, failedVerification]

    /// Every planned source of every app, with its backups (newest first), when the catalog could be read.
    static func sources(_ ctx: AuditContext) -> [(Inventory.Instance, BackupSource, BackupSpec, [BackupRecord])] {
        guard let catalog = ctx.facts.backups else { return [] }
        return BackupPlanner.plan(inventory: ctx.inventory, facts: ctx.facts, manifest: ctx.manifest).flatMap { instance, sources in
            let spec = ctx.manifest.app(named: instance.app)?.backup ?? .defaults
            return sources.map { (instance, $0, spec, catalog.records(of: $0)) }
        }
    }

    static func age(_ date: Date, _ ctx: AuditContext) -> Int {
        Int(max(0, (ctx.facts.backups?.observedAt ?? date).timeIntervalSince(date)))
    }

    static let missing: Rule = Rule(
        id: "backup.missing", severity: .critical,
        rationale: "A database that was never backed up is lost with the disk, a bad migration or one wrong DELETE."
    ) { ctx in
        sources(ctx).compactMap { instance, source, _, records in
            guard source.kind.isDatabase, records.isEmpty else { return nil }
            return missing.finding(
                instance.production ? .critical : .warning,
                subject: source.label,
                summary: "\(source.instanceLabel) has a \(source.kind == .sqlite ? "SQLite" : "PostgreSQL") database and no backup of it",
                evidence: ["database: \(source.origin)", "catalog: \(ctx.facts.backups?.database ?? "?") has no backup of \(source.label)"],
                fix: "`steward backup \(source.instanceLabel)` now, then `steward backup schedule \(source.app)` for a daily backup that is verified by restoring it.")
        }
    }

    static let stale: Rule = Rule(
        id: "backup.stale", severity: .warning,
        rationale: "The newest backup is what a restore gets back: everything written since it is lost."
    ) { ctx in
        sources(ctx).compactMap { instance, source, spec, records in
            guard source.kind != .config, let newest = records.first else { return nil }
            let seconds = age(newest.createdAt, ctx)
            guard seconds > spec.maxAgeMinutes * 60 else { return nil }
            return stale.finding(
                subject: source.label,
                summary: "The newest backup of \(source.label) is \(Format.duration(seconds: seconds)) old (at most \(Format.duration(seconds: spec.maxAgeMinutes * 60)))",
                evidence: ["newest: #\(newest.id) at \(Timestamp.iso(newest.createdAt)), \(Format.bytes(newest.sizeBytes))", "\(records.count) backup(s) in the catalog"],
                fix: "`steward backup \(source.instanceLabel)`; if a timer should have run, `systemctl list-timers 'steward-backup-*'` and `journalctl -u steward-backup-\(source.app).service`.")
        }
    }

    static let unverified: Rule = Rule(
        id: "backup.unverified", severity: .warning,
        rationale: "A backup that was never restored is a hope: dumps truncate, files corrupt, and nobody notices until the restore."
    ) { ctx in
        sources(ctx).compactMap { instance, source, spec, records in
            guard source.kind != .config, let newest = records.first else { return nil }
            let lastPass = records.compactMap(\.lastVerifiedAt).max()
            if let lastPass, age(lastPass, ctx) <= spec.verifyMaxAgeMinutes * 60 { return nil }
            return unverified.finding(
                subject: source.label,
                summary: lastPass == nil
                    ? "No backup of \(source.label) was ever proven by a restore"
                    : "The last proven restore of \(source.label) is \(Format.duration(seconds: age(lastPass!, ctx))) old (at most \(Format.duration(seconds: spec.verifyMaxAgeMinutes * 60)))",
                evidence: ["newest backup: #\(newest.id) at \(Timestamp.iso(newest.createdAt)), \(newest.verificationStatus)"]
                    + (lastPass.map { ["last successful verification: \(Timestamp.iso($0))"] } ?? []),
                fix: "`steward backup verify --latest \(source.instanceLabel)` restores it into a scratch target and compares it; `steward backup schedule \(source.app)` verifies after every backup.")
        }
    }

    static let failedVerification: Rule = Rule(
        id: "backup.failed-verification", severity: .critical,
        rationale: "A backup that fails its restore test would fail the real restore too."
    ) { ctx in
        sources(ctx).compactMap { instance, source, _, records in
            let latest = records.compactMap { r in r.lastVerification.map { (r, $0) } }.max { $0.1.at < $1.1.at }
            guard let (record, verification) = latest, !verification.passed else { return nil }
            return failedVerification.finding(
                subject: source.label,
                summary: "Backup #\(record.id) of \(source.label) failed its restore test",
                evidence: ["\(Timestamp.iso(verification.at)): \(verification.message)", "file: \(record.path)"],
                fix: "Take a new backup and prove it: `steward backup \(source.instanceLabel) && steward backup verify --latest \(source.instanceLabel)`; check the store's disk (`dmesg`, `df`) if files are damaged.")
        }
    }
}
