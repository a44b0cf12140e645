import Foundation

/// What Steward's state database says about backups, read by the audit. `records` is empty when the database does
/// not exist yet (nothing was ever backed up); the fact is nil when it exists but cannot be read.
public struct BackupCatalogFacts: Sendable, Codable, Equatable {
    /// Path of the state database.
    public var database: String
    /// When the catalog was read: the "now" that ages are measured against, so rules stay pure.
    public var observedAt: Date
    public var records: [BackupRecord]

    public init(database: String, observedAt: Date, records: [BackupRecord]) {
        self.database = database
        self.observedAt = observedAt
        self.records = records
    }

    /// The backups of one source, newest first in the catalog's order (the row id, which only grows), never by
    /// the wall clock alone: a clock that was set in the future and corrected must not make an old backup "newest".
    public func records(of source: BackupSource) -> [BackupRecord] {
        RetentionPlan.newestFirst(records.filter { $0.app == source.app && $0.instance == source.instance && $0.source == source.name })
    }
}
