import Foundation
import PostgresNIO
import StewardCore

/// What happened to one source in a backup run.
public struct BackupOutcome: Sendable {
    public var source: BackupSource
    public var record: BackupRecord?
    public var error: String?
}

/// Takes, verifies and prunes backups: the engines write (one per kind, found in ``BackupEngines``), the store
/// commits, the catalog records. Progress is reported as values (``BackupProgress``) to an optional sink.
public struct BackupService: Sendable {
    public let state: StateStore
    public let files: HostFiles
    /// The store's files and the engines' simple file needs: the host's under `files.root`, or a fake in tests.
    public let storeFiles: any BackupFileSystem
    var runner: any CommandRunning
    let engines: BackupEngines
    /// How often the size of a backup being written is reported to a progress sink.
    var progressInterval: Duration = .seconds(1)
    /// The wall clock of the catalog (when a backup was taken, when it was verified): the operation's context's.
    let now: @Sendable () -> Date

    public init(state: StateStore, files: HostFiles = HostFiles(), runner: any CommandRunning = CommandRunner(),
                clock: @escaping @Sendable () -> Date = { Date() }) {
        self.init(state: state, files: files, runner: runner, storeFiles: HostBackupFiles(root: files.root.isEmpty ? "/" : files.root), clock: clock)
    }

    init(state: StateStore, files: HostFiles = HostFiles(), runner: any CommandRunning, storeFiles: any BackupFileSystem,
         engines: BackupEngines = .standard, clock: @escaping @Sendable () -> Date = { Date() }) {
        self.state = state
        self.files = files
        self.runner = runner
        self.storeFiles = storeFiles
        self.engines = engines
        self.now = clock
    }

    /// The state database's directory, where the locks live.
    public var stateDirectory: String { (state.path as NSString).deletingLastPathComponent }

    /// `<store>/<app>/<instance>` (`_` for an app without instances).
    public static func directory(store: String, source: BackupSource) -> String {
        "\(store)/\(source.app)/\(source.instance.isEmpty ? "_" : source.instance)"
    }

    /// What an engine works with for `source` (its secrets masked in the tools' messages).
    func context(for source: BackupSource?, store: String) -> BackupEngineContext {
        BackupEngineContext(service: self, tools: ToolRunner(runner: runner, secrets: source.flatMap { try? secrets(for: $0) } ?? []), store: store)
    }

    // MARK: - Backup

    /// Backs up each source in turn; one failing source does not stop the others.
    public func backup(_ sources: [BackupSource], store: String, reason: String, progress: BackupProgressSink? = nil) async -> [BackupOutcome] {
        var outcomes: [BackupOutcome] = []
        for source in sources {
            do {
                outcomes.append(BackupOutcome(source: source, record: try await backup(source, store: store, reason: reason, progress: progress)))
            } catch {
                outcomes.append(BackupOutcome(source: source, error: describe(error, secrets: (try? secrets(for: source)) ?? [])))
            }
        }
        return outcomes
    }

    /// One source: written under a partial name, checksummed, synced, renamed, then catalogued. The progress step is
    /// `backup <label>`, with the bytes written sampled every second while the engine writes.
    public func backup(_ source: BackupSource, store: String, reason: String, progress: BackupProgressSink? = nil) async throws -> BackupRecord {
        let step = "backup \(source.label)"
        return try await progress.step(step) {
            let engine = try engines.engine(for: source.kind)
            let dir = Self.directory(store: store, source: source)
            try storeFiles.makeDirectory(store, mode: 0o700)
            try storeFiles.makeDirectory(dir, mode: 0o700)
            storeFiles.removeStalePartials(in: dir)
            let started = now()
            let clock = ContinuousClock.now
            let final = "\(dir)/\(source.name)-\(Self.stamp(started))-\(String(UInt16.random(in: 0...UInt16.max), radix: 16)).\(source.fileExtension)"
            let partial = StoreFiles.partialPath(for: final)
            do {
                let context = context(for: source, store: store)
                let count = try await sampling(partial, step: step, progress: progress) { try await engine.backup(source, to: partial, in: context) }
                // What the copy holds is counted while its checksum is computed (two cores, both from the page cache).
                async let contents = count()
                let files = storeFiles
                let (sha, size) = try await Task.detached { try files.sha256(partial) }.value
                let counted = try await contents
                progress.send(.bytes(step: step, done: size))
                if let items = counted.items { progress.send(.items(step: step, count: items.count, unit: items.unit)) }
                try storeFiles.commit(partial, to: final)
                let record = BackupRecord(app: source.app, instance: source.instance, source: source.name, kind: source.kind,
                                          path: final, createdAt: started, sizeBytes: size, sha256: sha,
                                          durationMs: Self.ms(since: clock), contents: counted, reason: reason)
                do {
                    return try state.insert(record)
                } catch {
                    storeFiles.removeQuietly(final)
                    throw error
                }
            } catch {
                storeFiles.removeQuietly(partial)
                throw error
            }
        }
    }

    /// Runs `body` (an engine writing `partial`) and, when someone listens, reports the file's size every
    /// ``progressInterval``.
    func sampling<T>(_ partial: String, step: String, progress: BackupProgressSink?, _ body: () async throws -> T) async throws -> T {
        guard let progress else { return try await body() }
        let (files, interval) = (storeFiles, progressInterval)
        let sampler = Task {
            var last: Int64 = -1
            while true {
                try await Task.sleep(for: interval)
                if let size = files.size(partial), size != last {
                    progress(.bytes(step: step, done: size))
                    last = size
                }
            }
        }
        // Awaited after it is cancelled, either way: no sample arrives after the step's end.
        do {
            let value = try await body()
            sampler.cancel()
            _ = await sampler.result
            return value
        } catch {
            sampler.cancel()
            _ = await sampler.result
            throw error
        }
    }

    /// The database of a PostgreSQL source, with its DSN read from the env file.
    func postgres(_ source: BackupSource) throws -> PostgresDatabase {
        guard let ref = source.url else { throw StoreError("\(source.label): no database URL") }
        let value = try ProbeContext(files: files).secret(ref)
        guard let dsn = PostgresDSN(value) else { throw StoreError("\(ref) is not a postgresql:// URL") }
        return PostgresDatabase(dsn: dsn, tools: ToolRunner(runner: runner, secrets: try secrets(for: source)))
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
    /// SQLite, and the row (or file) counts compared with those recorded at backup time. Records the result. The
    /// progress step is `verify #<id>`.
    public func verify(_ record: BackupRecord, source: BackupSource?, store: String, quick: Bool, progress: BackupProgressSink? = nil) async -> Verification {
        let clock = ContinuousClock.now
        var verification: Verification
        do {
            let message = try await progress.step("verify #\(record.id)") { try await prove(record, source: source, store: store, quick: quick) }
            verification = Verification(at: now(), passed: true, durationMs: Self.ms(since: clock), message: message)
        } catch {
            let secrets = source.flatMap { try? self.secrets(for: $0) } ?? []
            verification = Verification(at: now(), passed: false, durationMs: Self.ms(since: clock), message: describe(error, secrets: secrets))
        }
        // A result that cannot be recorded is a failure: the catalog (and the audit) would not know it.
        do { try state.addVerification(verification, backup: record.id) } catch {
            verification = Verification(at: verification.at, passed: false, durationMs: verification.durationMs,
                                        message: "\(verification.passed ? "verified" : verification.message), but the result could not be recorded in \(state.path): \(error)")
        }
        return verification
    }

    func prove(_ record: BackupRecord, source: BackupSource?, store: String, quick: Bool) async throws -> String {
        guard storeFiles.exists(record.path) else { throw StoreError("the file \(record.path) is missing") }
        let engine = try engines.engine(for: record.kind)
        let context = context(for: source, store: store)
        let scratch = "\(try context.scratchDirectory())/verify-\(record.id)-\(getpid())"
        let (files, path, expected) = (storeFiles, record.path, record.sha256)
        let hash = Task.detached { try files.sha256(path) }
        let checksum: @Sendable () async throws -> Void = {
            let (sha, _) = try await hash.value
            guard sha == expected else {
                throw StoreError("checksum mismatch: \(path) changed since the backup (sha256 \(sha.prefix(12))…, recorded \(expected.prefix(12))…)")
            }
        }
        let (restored, how) = try await engine.verify(record, source: source, scratch: scratch, quick: quick, checksum: checksum, in: context)
        let differences = record.contents.differences(from: restored)
        guard differences.isEmpty else {
            throw StoreError("the restored copy differs from the source at backup time: \(differences.prefix(3).joined(separator: "; "))")
        }
        return "\(how); \(restored.summary) match the source at backup time"
    }

    // MARK: - Prune

    /// Applies retention to each source's backups: deletes the files, then the catalog rows. With `dryRun`, only
    /// returns the plans.
    /// The progress step is `prune`, with the number of backups deleted.
    public func prune(_ records: [BackupRecord], retention: (BackupRecord) -> Retention, dryRun: Bool,
                      progress: BackupProgressSink? = nil) throws -> [RetentionPlan] {
        progress.send(.started(step: "prune"))
        let clock = ContinuousClock.now
        var deleted: Int64 = 0
        do {
            let plans = try prune(records, retention: retention, dryRun: dryRun) { _ in deleted += 1 }
            progress.send(.items(step: "prune", count: deleted, unit: "backups"))
            progress.send(.finished(step: "prune", ms: Self.ms(since: clock), ok: true))
            return plans
        } catch {
            progress.send(.items(step: "prune", count: deleted, unit: "backups"))
            progress.send(.finished(step: "prune", ms: Self.ms(since: clock), ok: false))
            throw error
        }
    }

    func prune(_ records: [BackupRecord], retention: (BackupRecord) -> Retention, dryRun: Bool, deleted: (BackupRecord) -> Void) throws -> [RetentionPlan] {
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
                try storeFiles.remove(record.path)
                deleted(record)
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
