import Foundation
import StewardCore

/// PostgreSQL inside a Compose service: `pg_dump -Fc` run in the service's running container (`docker exec`) with its
/// standard output streamed into the store's partial file, the rows counted from the dump itself (its data script's
/// `COPY` blocks, so the counts describe exactly what was dumped while the app keeps writing), verified by a restore
/// into a scratch database of the same server, restored in place by the same swap as a host's PostgreSQL: the archive
/// into a new database, then one transaction renames the live one away and the new one into its place.
///
/// No password is read or passed: the container's own tools reach its superuser over its local socket (the official
/// image trusts that socket), and only `POSTGRES_USER` and `POSTGRES_DB` are read from its environment.
struct ComposePostgresEngine: BackupEngine {
    var kind: BackupSource.Kind { .composePostgres }

    /// The running container of `source`'s service and its superuser and database.
    static func locate(_ source: BackupSource, tools: ToolRunner) async throws -> ContainerPostgres {
        guard let project = source.project, let service = source.service else {
            throw StoreError("\(source.label) names no Compose service")
        }
        let ids = try await tools.run(Docker.runningServiceContainer(project: project, service: service), timeout: .seconds(30)).stdout
            .split(whereSeparator: \.isNewline).map(String.init)
        guard let id = ids.first else {
            throw StoreError("the \(service) service of the Compose project \(project) has no running container (docker ps shows none): start it to back up or restore its database")
        }
        // A scaled database service (or one caught mid-recreate) has no one server to dump or restore into.
        guard ids.count == 1 else {
            throw StoreError("the \(service) service of the Compose project \(project) runs \(ids.count) containers; its database is dumped and restored in exactly one")
        }
        let env = try await tools.run(Docker.environment(id, names: ContainerPostgres.environmentNames), timeout: .seconds(30)).stdout
        return ContainerPostgres(container: id, environment: env)
    }

    func backup(_ source: BackupSource, to partial: String, in context: BackupEngineContext) async throws -> BackupEngineCount {
        let db = try await Self.locate(source, tools: context.tools)
        let file = context.host(partial)
        try await context.tools.run(db.dump().writing(to: file))
        let scratch = context.host(try context.scratchDirectory())
        let tools = context.tools
        return { BackupContents(tables: try await Self.countRows(file, in: db, scratch: scratch, tools: tools)) }
    }

    /// The rows per table of a dump: its data script (`pg_restore --data-only`, run in the container, reading the
    /// dump on standard input) written to a private file of the store's scratch directory, then read line by line.
    static func countRows(_ dump: String, in db: ContainerPostgres, scratch: String, tools: ToolRunner) async throws -> [String: Int64] {
        let script = scratch + "/count-\(getpid())-\(UInt32.random(in: 0...UInt32.max)).sql"
        defer { unlink(script) }
        var command = db.dataScript().writing(to: script)
        command.inputFile = dump
        try await tools.run(command)
        return try await Task.detached {
            var counter = ContainerPostgresDump()
            try LineReader.forEachLine(script) { counter.feed($0) }
            return counter.tables
        }.value
    }

    func verify(_ record: BackupRecord, source: BackupSource?, scratch: String, quick: Bool,
                checksum: @escaping @Sendable () async throws -> Void, in context: BackupEngineContext) async throws -> (contents: BackupContents, how: String) {
        guard let source else {
            throw StoreError("\(record.label) is not a Compose service on this host any more: its dump is restored in its PostgreSQL container to be verified")
        }
        async let db = Self.locate(source, tools: context.tools)
        try await checksum()
        let server = try await db
        let name = PostgresNames.derived("steward_verify_\(record.id)", suffix: "_\(getpid())")
        let tools = context.tools
        try await tools.run(server.dropDatabase(name))
        try await tools.run(server.createDatabase(name))
        do {
            var restore = server.restore(into: name)
            restore.inputFile = context.host(record.path)
            try await tools.run(restore)
            let counts = try await tools.run(server.psql(PostgresDatabase.countSQL, database: name))
            try? await tools.run(server.dropDatabase(name))
            return (BackupContents(tables: PostgresDatabase.parseCounts(counts.stdout)), "restored into a scratch database in \(source.service ?? "its") container")
        } catch {
            try? await tools.run(server.dropDatabase(name))
            throw error
        }
    }

    func nothingToSave(_ source: BackupSource, in context: BackupEngineContext) throws -> String? { nil }

    /// The steps of an in-place restore, as ``PostgresDatabase/restoreCommands(file:passfile:)`` for a host's server.
    static func restoreCommands(_ db: ContainerPostgres, file: String) -> (prepare: [Command], swap: Command, swapBack: Command, dropPrevious: Command) {
        var restore = db.restore(into: db.restoringName)
        restore.inputFile = file
        let prepare = [db.dropDatabase(db.previousName), db.dropDatabase(db.restoringName), db.createDatabase(db.restoringName), restore]
        let swap = db.psql(PostgresDatabase.renameSQL(live: db.database, away: db.previousName, into: db.restoringName), database: db.adminDatabase)
        let swapBack = db.psql(PostgresDatabase.renameSQL(live: db.database, away: db.restoringName, into: db.previousName), database: db.adminDatabase)
        return (prepare, swap, swapBack, db.dropDatabase(db.previousName))
    }

    func restore(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) async throws -> RestoreUndo {
        let db = try await Self.locate(source, tools: context.tools)
        let c = Self.restoreCommands(db, file: context.host(record.path))
        let tools = context.tools
        for command in c.prepare { try await tools.run(command) }
        try await tools.run(c.swap)
        return RestoreUndo(undo: { try await tools.run(c.swapBack) }, cleanup: { _ = try? await tools.run(c.dropPrevious) })
    }

    func restoreSteps(_ record: BackupRecord, into source: BackupSource, in context: BackupEngineContext) throws -> [RestoreService.Step] {
        // The dry run does not ask docker: the container is named by its service, its database as the image defaults.
        let db = ContainerPostgres(container: "<\(source.project ?? "?")/\(source.service ?? "?") container>", user: "$POSTGRES_USER", database: "$POSTGRES_DB")
        let c = Self.restoreCommands(db, file: context.host(record.path))
        return [RestoreService.Step(title: "restore #\(record.id) into a new database in the \(source.service ?? "?") container", commands: c.prepare),
                RestoreService.Step(title: "swap it with the live database in one transaction (the current one is kept until the checks pass)", commands: [c.swap])]
    }
}

/// Reads a file line by line in 64 KiB blocks (a dump's data script can be larger than memory should hold). A line
/// longer than `maxLine` (a row with a large value) is given cut to that length: the dump's data comes from what the
/// app stored, and only its `COPY` headers and `\.` ends are read for their text.
enum LineReader {
    static func forEachLine(_ path: String, maxLine: Int = 1 << 20, _ body: (Substring) -> Void) throws {
        let fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError("cannot read \(path): \(StoreFiles.errnoText())") }
        defer { close(fd) }
        var line = [UInt8]()
        var cut = false
        var buffer = [UInt8](repeating: 0, count: 64 << 10)
        func emit() {
            body(Substring(String(decoding: line, as: UTF8.self)))
            line.removeAll(keepingCapacity: true)
            cut = false
        }
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue }; throw StoreError("cannot read \(path): \(StoreFiles.errnoText())") }
            if n == 0 { break }
            var start = 0
            while start < n {
                let newline = buffer[start..<n].firstIndex(of: UInt8(ascii: "\n"))
                let end = newline ?? n
                if !cut {
                    let room = maxLine - line.count
                    if end - start > room {
                        line.append(contentsOf: buffer[start..<(start + room)])
                        cut = true
                    } else {
                        line.append(contentsOf: buffer[start..<end])
                    }
                }
                guard let newline else { break }
                emit()
                start = newline + 1
            }
        }
        if !line.isEmpty || cut { emit() }
    }
}
