import Foundation
import StewardCore

/// What every probe gets: the runner, the file root, and the audit window.
public struct ProbeContext: Sendable {
    public var runner: any CommandRunning
    public var files: HostFiles
    public var windowHours: Int
    public var commandTimeout: Duration

    public init(runner: any CommandRunning = CommandRunner(), files: HostFiles = HostFiles(), windowHours: Int = 24,
                commandTimeout: Duration = .seconds(10)) {
        self.runner = runner
        self.files = files
        self.windowHours = windowHours
        self.commandTimeout = commandTimeout
    }

    /// Runs a command and returns its stdout when it exits 0; otherwise throws a reason fit for a probe report.
    /// - Parameter quietExitCodes: exit codes that also mean success when nothing was written to stderr
    ///   (`journalctl --grep` exits 1 when nothing matches, and also on real errors, which print).
    public func output(_ command: Command, quietExitCodes: Set<Int32> = []) async throws -> String {
        switch await runner.run(command, timeout: commandTimeout) {
        case .success(let r) where r.exitCode == 0:
            return r.stdout
        case .success(let r) where quietExitCodes.contains(r.exitCode) && r.stderr.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty:
            return r.stdout
        case .success(let r):
            let firstLine = Redactor.scrub(String(r.stderr.split(separator: "\n").first ?? "no output"))
            throw ProbeFailure("\(command.executable) \(command.arguments.first ?? "") exited \(r.exitCode): \(firstLine)")
        case .failure(let e):
            throw ProbeFailure(e.description)
        }
    }
}

/// A probe's reason for being unknown.
public struct ProbeFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

/// Times a probe and turns a thrown error into an "unknown" report, so one probe never aborts the run; an
/// incomplete probe's facts are kept.
func measure(_ name: String, _ body: () async throws -> AuditProbe.Apply) async -> (String, AuditProbe.Apply?, ProbeReport) {
    let start = ContinuousClock.now
    func ms() -> Int {
        let d = ContinuousClock.now - start
        return Int(d.components.seconds * 1000 + d.components.attoseconds / 1_000_000_000_000_000)
    }
    do {
        let apply = try await body()
        return (name, apply, ProbeReport(name: name, status: .ok, durationMs: ms()))
    } catch let skip as ProbeSkipped {
        return (name, nil, ProbeReport(name: name, status: .skipped, reason: skip.reason, durationMs: ms()))
    } catch let partial as ProbeIncomplete {
        return (name, partial.apply, ProbeReport(name: name, status: .unknown, reason: partial.reason, durationMs: ms()))
    } catch {
        return (name, nil, ProbeReport(name: name, status: .unknown, reason: String(describing: error), durationMs: ms()))
    }
}

/// Thrown by a probe that does not apply to this host (nginx not installed): not a failure.
public struct ProbeSkipped: Error {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}
