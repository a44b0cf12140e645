import Foundation
import StewardCore
@testable import StewardSystem

/// An engine whose work is scripted, for the services' own logic (store, catalog, safety backup, rollback). Each
/// call runs one command through the context's tools, so a ``BackupFakeRunner`` decides whether it fails (and the
/// message goes through the secret masking): `fake-dump <partial>`, `fake-verify <file>`, `fake-restore #<id>`. A
/// backup writes ``payload`` into the in-memory store. With ``keepsPrevious`` a restore keeps the previous state
/// aside (an undo and a clean-up), as the PostgreSQL and directory engines do; without it, the service restores
/// the safety backup instead, as for SQLite and config.
final class BackupFakeEngine: BackupEngine, @unchecked Sendable {
    let kind: BackupSource.Kind
    let files: BackupMemoryFiles
    let log: BackupFakeLog
    var payload = "the backup's bytes"
    /// Awaited after the first half of ``payload`` is written (a test waits there for a progress sample).
    var halfway: (@Sendable () async -> Void)?
    var contents = BackupContents(tables: ["t": 3])
    /// What a verification finds (default: ``contents``).
    var restored: BackupContents?
    var keepsPrevious = false
    var undoFails = false
    /// What ``nothingToSave(_:in:)`` answers.
    var nothingToSaveReason: String?

    init(kind: BackupSource.Kind = .sqlite, files: BackupMemoryFiles, log: BackupFakeLog) {
        self.kind = kind
        self.files = files
        self.log = log
    }

    func backup(_ source: BackupSource, to partial: String, in context: BackupEngineContext) async throws -> BackupEngineCount {
        log.add("engine backup \(source.label)")
        files.write(partial, "")
        try await context.tools.run(Command("fake-dump", [context.host(partial)]))
        if let halfway {
            files.write(partial, String(payload.prefix(payload.count / 2)))
            await halfway()
        }
        files.write(partial, payload)
        let contents = contents
        return { contents }
    }

    func verify(_ record: BackupRecord, source: BackupSource?, scratch: String, quick: Bool,
                checksum: @escaping @Sendable () async throws -> Void, in context: BackupEngineContext) async throws -> (contents: BackupContents, how: String) {
        try await checksum()
        log.add("engine verify #\(record.id)")
        try await context.tools.run(Command("fake-verify", [context.host(record.path)]))
        return (restored ?? contents, "restored by the fake engine")
    }

    func nothingToSave(_ source: BackupSource, in context: BackupEngineContext) throws -> String? { nothingToSaveReason }

    func restore(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) async throws -> RestoreUndo {
        log.add("engine restore #\(record.id)")
        try await context.tools.run(Command("fake-restore", ["#\(record.id)"]))
        guard keepsPrevious else { return RestoreUndo() }
        let (log, undoFails) = (log, undoFails)
        return RestoreUndo(undo: {
            log.add("engine undo #\(record.id)")
            if undoFails { throw StoreError("cannot put the previous state back") }
        }, cleanup: { log.add("engine cleanup #\(record.id)") })
    }

    func restoreSteps(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) throws -> [RestoreService.Step] {
        [RestoreService.Step(title: "fake restore of #\(record.id)", commands: [Command("fake-restore", ["#\(record.id)"])])]
    }
}

/// A backup service on fakes: the in-memory store, the fake runner, the scripted engine for `.sqlite` sources (the
/// other kinds keep their real engines, which then run on the fakes), and a real state database in a temp dir.
struct BackupFakes {
    let tree: TempTree
    let files = BackupMemoryFiles()
    let log = BackupFakeLog()
    let runner: BackupFakeRunner
    let engine: BackupFakeEngine
    var service: BackupService
    let store = "/store"
    let source = BackupSource(app: "app", instance: "prod", name: "db", kind: .sqlite, path: "/srv/app/app.db")

    init(hostFiles: HostFiles = HostFiles()) throws {
        tree = try TempTree()
        runner = BackupFakeRunner(log: log)
        engine = BackupFakeEngine(files: files, log: log)
        service = BackupService(state: try StateStore(path: tree.root + "/state/state.db"), files: hostFiles, runner: runner,
                                storeFiles: files, engines: BackupEngines.standard.replacing(engine))
    }

    func restoreService() -> RestoreService { RestoreService(service: service, store: store) }

    /// A catalogued backup of `source`, taken with the fake engine.
    func backup(_ source: BackupSource? = nil, reason: String = "manual") async throws -> BackupRecord {
        try await service.backup(source ?? self.source, store: store, reason: reason)
    }
}
