import Foundation
import PostgresNIO
import StewardCore

/// What happened to one source in a backup run.
public struct BackupOutcome: Sendable {
    public var source: BackupSource
    public var record: BackupRecord?
    public var error: String?
}

/// Takes, verifies and prunes backups: the engines write, the store commits, the catalog records.
public struct BackupService: Sendable {
    public let state: StateStore
    public let files: HostFiles
    var runner: any CommandRunning

    public init(state: StateStore, files: HostFiles = HostFiles(), runner: any CommandRunning = CommandRunner()) {
        self.state = state
        self.files = files
        self.runner = runner
    }

    /// The state database's directory, where the locks live.
    public var stateDirectory: String { (state.path as NSString).deletingLastPathComponent }

    /// `<store>/<app>/<instance>` (`_` for an app without instances).
    public static func directory(store: String, source: BackupSource) -> String {
        "\(store)/\(source.app)/\(source.instance.isEmpty ? "_" : source.instance)"
    }

    // MARK: - Backup

    /// Backs up each source in turn; one failing source does not stop the others.
    public func backup(_ sources: [BackupSource], store: String, reason: String) async -> [BackupOutcome] {
        var outcomes: [BackupOutcome] = []
        for source in sources {
            do {
                outcomes.append(BackupOutcome(source: source, record: try await backup(source, store: store, reason: reason)))
            } catch {
                outcomes.append(BackupOutcome(source: source, error: describe(error, secrets: (try? secrets(for: source)) ?? [])))
            }
        }
        return outcomes
    }

    /// One source: written under a partial name, checksummed, synced, renamed, then catalogued.
    public func backup(_ source: BackupSource, store: String, reason: String) async throws -> BackupRecord {
        let dir = Self.directory(store: store, source: source)
        try StoreFiles.makeDirectory(store, mode: 0o700)
        try StoreFiles.makeDirectory(dir, mode: 0o700)
        StoreFiles.removeStalePartials(in: dir)
        let started = Date()
        let clock = ContinuousClock.now
        let final = "\(dir)/\(source.name)-\(Self.stamp(started))-\(String(UInt16.random(in: 0...UInt16.max), radix: 16)).\(source.fileExtension)"
        let partial = StoreFiles.partialPath(for: final)
        do {
            let (contents, sha, size) = try await writeAndHash(source, to: partial)
            try StoreFiles.commit(partial, to: final)
            let record = BackupRecord(app: source.app, instance: source.instance, source: source.name, kind: source.kind,
                                      path: final, createdAt: started, sizeBytes: size, sha256: sha,
                                      durationMs: Self.ms(since: clock), contents: contents, reason: reason)
            do {
                return try state.insert(record)
            } catch {
                StoreFiles.removeQuietly(final)
                throw error
            }
        } catch {
            StoreFiles.removeQuietly(partial)
            throw error
        }
    }

    /// Writes the source into `partial` and returns what it holds and its checksum. For SQLite the row counts are
    /// read from the copy while the checksum is computed, on two cores, both from the page cache.
    func writeAndHash(_ source: BackupSource, to partial: String) async throws -> (BackupContents, String, Int64) {
        let hash = { try await Task.detached { try StoreFiles.sha256(partial) }.value }
        let files = FilesEngine(tools: ToolRunner(runner: runner))
        let contents: BackupContents
        switch source.kind {
        case .sqlite:
            guard let path = source.path else { throw StoreError("\(source.label): no database path") }
            try await Task.detached { try SQLiteEngine.backup(source: path, to: partial) }.value
            async let counts = Task.detached { try SQLiteEngine.tableCounts(file: partial) }.value
            let (sha, size) = try await hash()
            return (BackupContents(tables: try await counts), sha, size)
        case .postgres:
            contents = try await postgres(source).backup(to: partial)
        case .files:
            guard let path = source.path else { throw StoreError("\(source.label): no directory") }
            // Where the data really is (a link's target, checked), read by tar through the directory opened here, and
            // recorded under the configured name so that a restore puts it back behind the same link.
            let data = try DataDirectory.open(path, mustExist: true)
            contents = try await files.backup(parent: SafePath.procPath(data.parent.fd), entries: [data.name], exclude: source.exclude,
                                              to: partial, storedAs: URL(fileURLWithPath: path).lastPathComponent)
            withExtendedLifetime(data) {}
        case .config:
            // Each file copied, bounded and regular only, into a private directory next to the partial file (named
            // after it, so a crash leaves it to the stale-partial clean-up); tar archives that copy (the member names
            // are the files' paths, as before).
            let store = try SafePath.openDirectory((partial as NSString).deletingLastPathComponent)
            let (name, staging) = try SafePath.makePrivateDirectory(in: store.fd, prefix: URL(fileURLWithPath: partial).lastPathComponent + ".config-", display: store.path)
            defer {
                close(staging)
                try? SafeRemove.remove(name, in: store.fd)
            }
            try ConfigSnapshot.stage(source.files, into: staging, display: store.path + "/" + name)
            let entries = source.files.map { SafePath.components($0).joined(separator: "/") }
            contents = try await files.backup(parent: store.path + "/" + name, entries: entries, exclude: [], to: partial)
        }
        let (sha, size) = try await hash()
        return (contents, sha, size)
    }

    /// The engine for a PostgreSQL source, with its DSN read from the env file.
    func postgres(_ source: BackupSource) throws -> PostgresEngine {
        guard let ref = source.url else { throw StoreError("\(source.label): no database URL") }
        let value = try ProbeContext(files: files).secret(ref)
        guard let dsn = PostgresDSN(value) else { throw StoreError("\(ref) is not a postgresql:// URL") }
        return PostgresEngine(dsn: dsn, tools: ToolRunner(runner: runner, secrets: try secrets(for: source)))
    }

    /// The secret values a source's messages must never show: its DSN and the DSN's password.
    func secrets(for source: BackupSource) throws -> [String] {
        guard let ref = source.url, let value = try? ProbeContext(files: files).secret(ref) else { return [] }
        let password = Redactor.urlPassword(value)
        return [value] + [password, password?.removingPercentEncoding].compactMap { $0 }
    }

    func describe(_ error: any Error, secrets: [String]) -> String {
        let text: String
        if let e = error as? PSQLError { text = PostgresProbe.describe(e) } else { text = "\(error)" }
        return Redactor.maskKnown(secrets, in: Redactor.scrub(text))
    }

    // MARK: - Verify

    /// Proves a backup by restoring it into a scratch target: checksum first, then a restore, an integrity check for
    /// SQLite, and the row (or file) counts compared with those recorded at backup time. Records the result.
    public func verify(_ record: BackupRecord, source: BackupSource?, store: String, quick: Bool) async -> Verification {
        let clock = ContinuousClock.now
        var verification: Verification
        do {
            let message = try await prove(record, source: source, store: store, quick: quick)
            verification = Verification(at: Date(), passed: true, durationMs: Self.ms(since: clock), message: message)
        } catch {
            let secrets = source.flatMap { try? self.secrets(for: $0) } ?? []
            verification = Verification(at: Date(), passed: false, durationMs: Self.ms(since: clock), message: describe(error, secrets: secrets))
        }
        // A result that cannot be recorded is a failure: the catalog (and the audit) would not know it.
        do { try state.addVerification(verification, backup: record.id) } catch {
            verification = Verification(at: verification.at, passed: false, durationMs: verification.durationMs,
                                        message: "\(verification.passed ? "verified" : verification.message), but the result could not be recorded in \(state.path): \(error)")
        }
        return verification
    }

    func prove(_ record: BackupRecord, source: BackupSource?, store: String, quick: Bool) async throws -> String {
        guard FileManager.default.fileExists(atPath: record.path) else { throw StoreError("the file \(record.path) is missing") }
        let scratchRoot = "\(store)/.scratch"
        try StoreFiles.makeDirectory(store, mode: 0o700)
        try StoreFiles.makeDirectory(scratchRoot, mode: 0o700)
        let scratch = "\(scratchRoot)/verify-\(record.id)-\(getpid())"
        let path = record.path
        // The checksum is computed while the restore runs (two cores, one read of the file each from the page
        // cache); a mismatch is the verdict whatever the restore found.
        let hash = Task.detached { try StoreFiles.sha256(path) }
        func checksum() async throws {
            let (sha, _) = try await hash.value
            guard sha == record.sha256 else {
                throw StoreError("checksum mismatch: \(record.path) changed since the backup (sha256 \(sha.prefix(12))…, recorded \(record.sha256.prefix(12))…)")
            }
        }
        let restored: BackupContents
        var what: String
        switch record.kind {
        case .sqlite:
            let file = scratch + ".sqlite3"
            let restoring = Task.detached { () throws -> BackupContents in
                defer { for suffix in ["", "-wal", "-shm", "-journal"] { StoreFiles.removeQuietly(file + suffix) } }
                try SQLiteEngine.restore(from: path, into: file)
                if let problems = try SQLiteEngine.integrityProblems(file, quick: quick) {
                    throw StoreError("the restored database fails \(quick ? "quick_check" : "integrity_check"): \(problems)")
                }
                return BackupContents(tables: try SQLiteEngine.tableCounts(file: file))
            }
            do {
                try await checksum()
            } catch {
                _ = try? await restoring.value
                throw error
            }
            restored = try await restoring.value
            what = "restored into a scratch file, \(quick ? "quick_check" : "integrity_check") ok"
        case .postgres:
            try await checksum()
            let engine = try source.map(postgres) ?? PostgresEngine(dsn: PostgresDSN("postgresql://localhost/postgres")!, tools: ToolRunner(runner: runner))
            restored = try await engine.verify(file: record.path, scratch: PostgresNames.derived("steward_verify_\(record.id)", suffix: "_\(getpid())"))
            what = "restored into a scratch database"
        case .files, .config:
            try await checksum()
            restored = try await FilesEngine(tools: ToolRunner(runner: runner)).verify(file: record.path, scratch: scratch)
            what = "extracted into a scratch directory"
        }
        let differences = record.contents.differences(from: restored)
        guard differences.isEmpty else {
            throw StoreError("the restored copy differs from the source at backup time: \(differences.prefix(3).joined(separator: "; "))")
        }
        return "\(what); \(restored.summary) match the source at backup time"
    }

    // MARK: - Prune

    /// Applies retention to each source's backups: deletes the files, then the catalog rows. With `dryRun`, only
    /// returns the plans.
    public func prune(_ records: [BackupRecord], retention: (BackupRecord) -> Retention, dryRun: Bool) throws -> [RetentionPlan] {
        let inUse = try state.backupsInUse()
        let groups = Dictionary(grouping: records) { "\($0.app)\u{0}\($0.instance)\u{0}\($0.source)" }
        var plans: [RetentionPlan] = []
        for key in groups.keys.sorted() {
            let group = groups[key]!
            let plan = RetentionPlan.make(group, retention: retention(group[0]), inUse: inUse)
            plans.append(plan)
            guard !dryRun else { continue }
            for record in plan.deleted {
                // The catalog first: a crash in between leaves an orphan file, never an entry without its file.
                try state.delete(id: record.id)
                try SafeRemove.remove(record.path)
                state.event("prune", subject: record.label, result: "deleted", detail: "#\(record.id) \(record.path)")
            }
        }
        return plans
    }

    // MARK: - Helpers

    static func stamp(_ date: Date) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second], from: date)
        return String(format: "%04d%02d%02dT%02d%02d%02dZ", c.year!, c.month!, c.day!, c.hour!, c.minute!, c.second!)
    }

    static func ms(since start: ContinuousClock.Instant) -> Int {
        let d = ContinuousClock.now - start
        return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }
}
