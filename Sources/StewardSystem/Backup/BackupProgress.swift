import Foundation
import StewardCore

/// Progress of a backup, verification, restore or prune, as values: the operations layer turns them into its events
/// (`OperationEvent`), the CLI prints nothing from here. Steps are named as the work is (`backup marb@prod/db`,
/// `stop`, `safety backup`), so a front end can show them as they come.
public enum BackupProgress: Sendable, Equatable {
    /// A step began.
    case started(step: String)
    /// A step ended after `ms` milliseconds; `ok` is false when it failed (the error comes with the result).
    case finished(step: String, ms: Int, ok: Bool)
    /// Bytes written so far into the backup file of `step` (sampled while the tool writes, then the final size).
    case bytes(step: String, done: Int64)
    /// Rows (database) or files (directory) that the finished backup or restored copy of `step` holds.
    case items(step: String, count: Int64, unit: String)
}

/// Where progress goes. Called from any task: it must be quick and thread-safe.
public typealias BackupProgressSink = @Sendable (BackupProgress) -> Void

extension Optional where Wrapped == BackupProgressSink {
    /// Runs `body` as the step `name`: started, then finished with its duration and whether it threw.
    @discardableResult
    func step<T>(_ name: String, _ body: () async throws -> T) async rethrows -> T {
        guard let sink = self else { return try await body() }
        sink(.started(step: name))
        let clock = ContinuousClock.now
        do {
            let value = try await body()
            sink(.finished(step: name, ms: BackupService.ms(since: clock), ok: true))
            return value
        } catch {
            sink(.finished(step: name, ms: BackupService.ms(since: clock), ok: false))
            throw error
        }
    }

    func send(_ progress: BackupProgress) { self?(progress) }
}

extension BackupContents {
    /// What progress reports of it: the rows of a database, the files of a directory.
    var items: (count: Int64, unit: String)? {
        if let tables { return (tables.values.reduce(0, +), "rows") }
        if let files { return (Int64(files), "files") }
        return nil
    }
}
