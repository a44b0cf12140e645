import Foundation
import StewardCore

/// One kind of backup source (SQLite, PostgreSQL, a directory, a config snapshot): how it is written, proved,
/// restored in place and shown by `--dry-run`. ``BackupService`` and ``RestoreService`` do the rest (the store, the
/// catalog, the safety backup, stopping the app, rolling back) the same way for every kind, and find the engine in
/// ``BackupEngines`` by the source's kind: a new kind is a new engine and one line in the table, no switch to edit.
protocol BackupEngine: Sendable {
    var kind: BackupSource.Kind { get }

    /// Writes `source` into the new file `partial` of the store. Returns how to count what it holds: the service
    /// runs that while it checksums the file (SQLite counts the copy's rows then, on the second core).
    func backup(_ source: BackupSource, to partial: String, in context: BackupEngineContext) async throws -> BackupEngineCount

    /// Restores `record` into a scratch target (`scratch` names one in the store) and returns what came out and how it
    /// was checked. `checksum` throws when the file changed since the backup; the engine awaits it before it trusts
    /// anything, alongside its own work where it can.
    func verify(_ record: BackupRecord, source: BackupSource?, scratch: String, quick: Bool,
                checksum: @escaping @Sendable () async throws -> Void, in context: BackupEngineContext) async throws -> (contents: BackupContents, how: String)

    /// Why a restore into `source` has no current state to save first (its data was deleted), or nil.
    func nothingToSave(_ source: BackupSource, in context: BackupEngineContext) throws -> String?

    /// Puts `record` in place of the source's current state (the app stopped).
    func restore(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) async throws -> RestoreUndo

    /// What ``restore(_:into:in:)`` does, with its argv, for `--dry-run`.
    func restoreSteps(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) throws -> [RestoreService.Step]
}

/// Counts what a written backup holds.
typealias BackupEngineCount = @Sendable () async throws -> BackupContents

/// What an engine works with: the service (runner, state, the files under the root, secrets), the tools with the
/// source's secrets masked, and the store.
struct BackupEngineContext: Sendable {
    let service: BackupService
    let tools: ToolRunner
    let store: String

    var files: any BackupFileSystem { service.storeFiles }

    /// Where `path` is on the host, for a tool's argv and the descriptor-based code.
    func host(_ path: String) -> String { files.hostPath(path) }

    /// `<store>/.scratch`, private, for verifications and restores' staging.
    func scratchDirectory() throws -> String {
        try files.makeDirectory(store, mode: 0o700)
        try files.makeDirectory(store + "/.scratch", mode: 0o700)
        return store + "/.scratch"
    }
}

/// How a restore is taken back while the checks have not passed yet, and how the previous state it kept aside is
/// dropped once they have. An engine that keeps nothing aside has neither: the safety backup is restored instead.
struct RestoreUndo {
    var undo: (() async throws -> Void)?
    var cleanup: (() async -> Void)?
}

/// The engines by kind.
struct BackupEngines: Sendable {
    private var table: [BackupSource.Kind: any BackupEngine] = [:]

    static let standard = BackupEngines([SQLiteEngine(), PostgresEngine(), FilesEngine(), ConfigEngine(), ComposePostgresEngine()])

    init(_ engines: [any BackupEngine]) {
        for engine in engines { table[engine.kind] = engine }
    }

    /// This table with `engine` in place of the one of its kind (tests register a scripted engine).
    func replacing(_ engine: any BackupEngine) -> BackupEngines {
        var copy = self
        copy.table[engine.kind] = engine
        return copy
    }

    func engine(for kind: BackupSource.Kind) throws -> any BackupEngine {
        guard let engine = table[kind] else { throw StoreError("no backup engine for \(kind.rawValue) sources") }
        return engine
    }
}
