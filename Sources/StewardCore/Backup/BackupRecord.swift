import Foundation

/// A complete backup in the catalog: it enters the catalog only after its file was written, synced and renamed.
public struct BackupRecord: Sendable, Equatable, Codable {
    public var id: Int64
    public var app: String
    public var instance: String
    public var source: String
    public var kind: BackupSource.Kind
    /// The stored file.
    public var path: String
    public var createdAt: Date
    public var sizeBytes: Int64
    /// Hex SHA-256 of the stored file.
    public var sha256: String
    public var durationMs: Int
    /// What the source held at backup time, compared after a test restore.
    public var contents: BackupContents
    /// Why it was taken: `manual`, `scheduled`, `safety` (before a restore), `pre-deploy`.
    public var reason: String
    /// The newest verification, if any.
    public var lastVerification: Verification?
    /// When a verification last passed.
    public var lastVerifiedAt: Date?

    public init(id: Int64 = 0, app: String, instance: String, source: String, kind: BackupSource.Kind, path: String,
                createdAt: Date, sizeBytes: Int64, sha256: String, durationMs: Int, contents: BackupContents,
                reason: String = "manual", lastVerification: Verification? = nil, lastVerifiedAt: Date? = nil) {
        self.id = id
        self.app = app
        self.instance = instance
        self.source = source
        self.kind = kind
        self.path = path
        self.createdAt = createdAt
        self.sizeBytes = sizeBytes
        self.sha256 = sha256
        self.durationMs = durationMs
        self.contents = contents
        self.reason = reason
        self.lastVerification = lastVerification
        self.lastVerifiedAt = lastVerifiedAt
    }

    public var instanceLabel: String { instance.isEmpty ? app : "\(app)@\(instance)" }
    public var label: String { "\(instanceLabel)/\(source)" }

    /// `verified`, `FAILED`, or `unverified`, for listings.
    public var verificationStatus: String {
        guard let v = lastVerification else { return "unverified" }
        return v.passed ? "verified" : "FAILED"
    }
}

/// What a backup holds: per-table row counts for a database, file count and bytes for an archive.
public struct BackupContents: Sendable, Equatable, Codable {
    public var tables: [String: Int64]?
    public var files: Int?
    public var bytes: Int64?

    public init(tables: [String: Int64]? = nil, files: Int? = nil, bytes: Int64? = nil) {
        self.tables = tables
        self.files = files
        self.bytes = bytes
    }

    /// `3 tables, 2,105 rows` or `61 files, 412 KiB`.
    public var summary: String {
        if let tables {
            return "\(tables.count) table\(tables.count == 1 ? "" : "s"), \(tables.values.reduce(0, +)) rows"
        }
        if let files { return "\(files) file\(files == 1 ? "" : "s"), \(Format.bytes(bytes ?? 0))" }
        return ""
    }

    /// How a restored copy differs from what was recorded, one line per difference; empty when they match.
    public func differences(from restored: BackupContents) -> [String] {
        var result: [String] = []
        if let tables {
            let found = restored.tables ?? [:]
            for (table, count) in tables.sorted(by: { $0.key < $1.key }) {
                if let other = found[table] {
                    if other != count { result.append("table \(table): \(other) rows, expected \(count)") }
                } else {
                    result.append("table \(table) is missing")
                }
            }
            for table in found.keys.sorted() where tables[table] == nil { result.append("unexpected table \(table)") }
        }
        if let files, restored.files != files { result.append("\(restored.files ?? 0) files, expected \(files)") }
        if let bytes, restored.bytes != bytes { result.append("\(restored.bytes ?? 0) bytes, expected \(bytes)") }
        return result
    }
}

/// One proof by restore: when, whether it passed, how long it took, and what it found.
public struct Verification: Sendable, Equatable, Codable {
    public var at: Date
    public var passed: Bool
    public var durationMs: Int
    /// `restored into a scratch database: integrity ok, 3 tables match` or the first failure.
    public var message: String

    public init(at: Date, passed: Bool, durationMs: Int, message: String) {
        self.at = at
        self.passed = passed
        self.durationMs = durationMs
        self.message = message
    }
}
