import Foundation
import StewardCore
@testable import StewardSystem

/// The tools a backup or restore runs (systemctl, tar, pg_restore, psql), in memory: every command succeeds with no
/// output unless a test makes it fail (``fail(_:stderr:)``) or answers it itself (``answer(_:_:)``, which may also
/// write into a ``BackupMemoryFiles`` tree, as tar would). Every command is recorded in ``ran`` and in the shared
/// ``BackupFakeLog`` (to check the order of commands and engine calls).
final class BackupFakeRunner: CommandRunning, @unchecked Sendable {
    private let lock = NSLock()
    private var failures: [(match: String, stderr: String, exitCode: Int32, times: Int)] = []
    private var answers: [(match: String, answer: (Command) -> CommandResult)] = []
    private var lines: [String] = []
    let log: BackupFakeLog

    init(log: BackupFakeLog = BackupFakeLog()) { self.log = log }

    /// Every command run so far, as its line.
    var ran: [String] { lock.withLock { lines } }

    /// Commands whose line contains `match` exit with `exitCode` and `stderr` (the next `times` of them).
    func fail(_ match: String, stderr: String = "fake failure", exitCode: Int32 = 1, times: Int = .max) {
        lock.withLock { failures.append((match, stderr, exitCode, times)) }
    }

    /// Commands whose line contains `match` get what `answer` returns (it may act on the tree first).
    func answer(_ match: String, _ answer: @escaping (Command) -> CommandResult) { lock.withLock { answers.append((match, answer)) } }

    /// `systemctl show` says these units are active (else: none runs).
    func running(_ units: [String]) {
        answer("systemctl show") { _ in
            CommandResult(exitCode: 0, stdout: units.map { "Id=\($0)\nActiveState=active\n" }.joined(separator: "\n"), stderr: "")
        }
    }

    func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError> {
        let line = command.description
        log.add(line)
        let (failure, custom): (CommandResult?, ((Command) -> CommandResult)?) = lock.withLock {
            lines.append(line)
            var failure: CommandResult?
            if let i = failures.lastIndex(where: { line.contains($0.match) && $0.times > 0 }) {
                failures[i].times -= 1
                failure = CommandResult(exitCode: failures[i].exitCode, stdout: "", stderr: failures[i].stderr)
            }
            return (failure, answers.last { line.contains($0.match) }?.answer)
        }
        if let failure { return .success(failure) }
        return .success(custom?(command) ?? CommandResult(exitCode: 0, stdout: "", stderr: ""))
    }
}

/// What happened, in order: commands, engine calls, checks.
final class BackupFakeLog: @unchecked Sendable {
    private let lock = NSLock()
    private var entries: [String] = []

    func add(_ entry: String) { lock.withLock { entries.append(entry) } }
    /// Forgets what happened so far (a test's setup).
    func clear() { lock.withLock { entries.removeAll() } }
    var all: [String] { lock.withLock { entries } }
    /// The entries that start with one of `prefixes` (`systemctl stop`, `engine`).
    func only(_ prefixes: String...) -> [String] { all.filter { entry in prefixes.contains { entry.hasPrefix($0) } } }
}

/// Progress values as a sink receives them.
final class BackupProgressLog: @unchecked Sendable {
    private let lock = NSLock()
    private var values: [BackupProgress] = []

    var sink: BackupProgressSink { { [self] value in lock.withLock { values.append(value) } } }
    var all: [BackupProgress] { lock.withLock { values } }
    /// `started x`, `finished x ok|failed`, `bytes x N`, `items x N unit`: readable in an expectation.
    var lines: [String] {
        all.map {
            switch $0 {
            case .started(let step): "started \(step)"
            case .finished(let step, _, let ok): "finished \(step) \(ok ? "ok" : "failed")"
            case .bytes(let step, let done): "bytes \(step) \(done)"
            case .items(let step, let count, let unit): "items \(step) \(count) \(unit)"
            }
        }
    }
}
