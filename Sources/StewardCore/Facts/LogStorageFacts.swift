/// Logs on disk: large files the apps write in their trees, and the journal's share of its filesystem.
public struct LogStorageFacts: Sendable, Codable, Equatable {
    /// `*.log` files in the app directories (a few levels deep) above ``LogStorageFacts/reportedBytes``.
    public var appLogs: [AppLogFile]
    public var journal: JournalUsage?

    /// Files smaller than this are not listed: the rule's threshold is above it, and listing every log would bloat
    /// the facts.
    public static let reportedBytes: Int64 = 16 << 20

    public init(appLogs: [AppLogFile] = [], journal: JournalUsage? = nil) {
        self.appLogs = appLogs
        self.journal = journal
    }
}

public struct AppLogFile: Sendable, Codable, Equatable {
    public var path: String
    public var sizeBytes: Int64
    /// The logrotate file whose pattern covers it, or nil.
    public var rotatedBy: String?

    public init(path: String, sizeBytes: Int64, rotatedBy: String? = nil) {
        self.path = path
        self.sizeBytes = sizeBytes
        self.rotatedBy = rotatedBy
    }
}

/// What `journalctl --disk-usage` would say, summed from the journal files, against the filesystem holding them.
public struct JournalUsage: Sendable, Codable, Equatable {
    public var directory: String
    public var bytes: Int64
    public var filesystemBytes: Int64
    /// `SystemMaxUse=` from journald.conf or its drop-ins; nil when unset (journald's default: 10 % of the
    /// filesystem, at most 4 GiB, taken when it starts).
    public var systemMaxUse: String?

    public init(directory: String, bytes: Int64, filesystemBytes: Int64, systemMaxUse: String?) {
        self.directory = directory
        self.bytes = bytes
        self.filesystemBytes = filesystemBytes
        self.systemMaxUse = systemMaxUse
    }

    public var percent: Double { filesystemBytes > 0 ? Double(bytes) * 100 / Double(filesystemBytes) : 0 }
}
