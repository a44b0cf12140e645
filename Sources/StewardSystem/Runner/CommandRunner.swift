import Foundation
import StewardCore
import Subprocess
#if canImport(System)
import System
#else
import SystemPackage
#endif

/// What a finished command printed and how it exited.
public struct CommandResult: Sendable, Equatable {
    public var exitCode: Int32
    public var stdout: String
    public var stderr: String

    public init(exitCode: Int32, stdout: String, stderr: String) {
        self.exitCode = exitCode
        self.stdout = stdout
        self.stderr = stderr
    }
}

/// Why a command could not give a result. Messages name the program, never its arguments' values.
public enum RunnerError: Error, Equatable, CustomStringConvertible {
    case notFound(String)
    case timedOut(String, seconds: Double)
    case failedToRun(String, reason: String)

    public var description: String {
        switch self {
        case .notFound(let p): "command not found: \(p)"
        case .timedOut(let p, let s): "\(p) timed out after \(s) s"
        case .failedToRun(let p, let r): "\(p) could not run: \(r)"
        }
    }
}

/// Runs commands. One implementation for the host; tests of probes may substitute recorded output.
public protocol CommandRunning: Sendable {
    func run(_ command: Command, timeout: Duration) async -> Result<CommandResult, RunnerError>
}

/// The one place Steward starts processes: argv only, a fixed C locale, no pager or colours, a timeout that
/// kills the whole process group (so no grandchild outlives it).
public struct CommandRunner: CommandRunning {
    /// Output beyond this is an error rather than unbounded memory use.
    public var outputLimit = 32 * 1024 * 1024

    public init() {}

    static let environment: Environment = .inherit.updating([
        "LC_ALL": "C.UTF-8", "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0", "PAGER": "cat", "GIT_TERMINAL_PROMPT": "0",
        "GIT_OPTIONAL_LOCKS": "0",
    ])

    public func run(_ command: Command, timeout: Duration = .seconds(10)) async -> Result<CommandResult, RunnerError> {
        let name = command.executable
        let executable: Executable = name.hasPrefix("/") ? .path(FilePath(name)) : .name(name)
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .milliseconds(300))]
        let limit = outputLimit
        let platformOptions = options
        var extra: [Environment.Key: String?] = [:]
        // A command that says how to reach PostgreSQL gets nothing else: a PGHOST, PGSERVICE or PGOPTIONS exported
        // in root's shell would send pg_dump or pg_restore to another server.
        if command.environment.keys.contains(where: { $0.hasPrefix("PG") }) {
            for name in ProcessInfo.processInfo.environment.keys where name.hasPrefix("PG") {
                if let key = Environment.Key(rawValue: name) { extra[key] = .some(nil) }
            }
        }
        for (name, value) in command.secretEnvironment.merging(command.environment, uniquingKeysWith: { _, visible in visible }) {
            guard let key = Environment.Key(rawValue: name) else { return .failure(.failedToRun(name, reason: "invalid environment variable name")) }
            extra[key] = value
        }
        let environment = extra.isEmpty ? Self.environment : Self.environment.updating(extra)
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        do {
            return try await withThrowingTaskGroup(of: CommandResult?.self) { group in
                group.addTask {
                    // One call for both kinds of input: swift-subprocess types the input statically.
                    func execute<Input: InputProtocol>(_ input: Input) async throws -> (TerminationStatus, String?, String?) {
                        let r = try await Subprocess.run(
                            executable, arguments: Arguments(command.arguments), environment: environment,
                            workingDirectory: command.workingDirectory.map { FilePath($0) },
                            platformOptions: platformOptions, input: input,
                            output: .string(limit: limit), error: .string(limit: 1024 * 1024))
                        return (r.terminationStatus, r.standardOutput, r.standardError)
                    }
                    let (status, stdout, stderr) = if let file = command.inputFile {
                        try await execute(.fileDescriptor(try FileDescriptor.open(FilePath(file), .readOnly), closeAfterSpawningProcess: true))
                    } else {
                        try await execute(.none)
                    }
                    let code: Int32
                    switch status {
                    case .exited(let c): code = c
                    case .signaled(let s): code = 128 + s
                    }
                    return CommandResult(exitCode: code, stdout: stdout ?? "", stderr: stderr ?? "")
                }
                group.addTask {
                    try await Task.sleep(for: timeout)
                    return nil
                }
                let first = try await group.next() ?? nil
                group.cancelAll()
                guard let result = first else { return .failure(.timedOut(name, seconds: seconds)) }
                return .success(result)
            }
        } catch let error as SubprocessError {
            if error.code == .executableNotFound { return .failure(.notFound(name)) }
            return .failure(.failedToRun(name, reason: "\(error.code)"))
        } catch {
            return .failure(.failedToRun(name, reason: String(describing: type(of: error))))
        }
    }
}
