import Foundation
import StewardCore

/// A Compose project's numbered SQL migrations against its database's record of them (`compose.migration-pending`):
/// the files of `db/migrations` (read without following links, inside the project), and in the running PostgreSQL
/// container the tracking table's rows, or without one the tables the files create (``SQLMigrationAdoption``).
enum ComposeMigrationsProbe {
    /// At most this many files are read, each at most 1 MiB (only to see which tables they create).
    static let maxFiles = 500

    static func gather(_ ctx: ProbeContext, project: ComposeFacts, containerID: String, service: String, directory: String) async -> ComposeFacts.Migrations? {
        let dir = project.workingDir + "/" + directory
        guard ctx.files.exists(dir) else { return nil }
        let files_ = ctx.files
        guard let names = await BlockingCall.run(on: files_.path(dir), timeout: ctx.commandTimeout, { Array(SQLMigrationPlan.ordered(files_.list(dir)).prefix(maxFiles)) }),
              !names.isEmpty else { return nil }
        var result = ComposeFacts.Migrations(directory: directory, files: names, service: service, database: "?", applied: [], tracked: false)
        do {
            let env = try await ctx.output(Docker.environment(containerID, names: ContainerPostgres.environmentNames))
            // A hung server must not hold the audit, nor keep sessions once docker's client is gone.
            let db = ContainerPostgres(container: containerID, environment: env, timeouts: true)
            result.database = db.database
            let exists = try await ctx.output(db.psql("SELECT to_regclass('\(SQLMigrationTracking.table)') IS NOT NULL", database: db.database))
            if exists.trimmingCharacters(in: .whitespacesAndNewlines) == "t" {
                let rows = try await ctx.output(db.psql("SELECT name FROM \(SQLMigrationTracking.table) ORDER BY name", database: db.database))
                result.applied = rows.split(whereSeparator: \.isNewline).map(String.init)
                result.tracked = true
            } else {
                // Without a tracking table, what the files create says which the database has: only then are they read.
                guard let files = await BlockingCall.run(on: files_.path(dir), timeout: ctx.commandTimeout, {
                    names.map { name in (name: name, sql: (try? SafeRead.text(name, in: files_.path(dir), limit: 1 << 20, display: dir)) ?? "") }
                }) else { throw ProbeFailure("\(dir) " + FilesProbe.didNotAnswer(ctx)) }
                let tables = Set(try await ctx.output(db.psql(ContainerPostgres.tablesSQL, database: db.database)).split(whereSeparator: \.isNewline).map(String.init))
                switch SQLMigrationAdoption.adopt(files, existingTables: tables) {
                case .adopted(let names, _): result.applied = names
                case .refused(let why): result.unknown = why
                }
            }
        } catch {
            result.unknown = Redactor.scrub("\(error)")
        }
        return result
    }
}
