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

    /// The backups of one source, newest first.
    public func records(of source: BackupSource) -> [BackupRecord] {
        records.filter { $0.app == source.app && $0.instance == source.instance && $0.source == source.name }
            .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
    }
}
