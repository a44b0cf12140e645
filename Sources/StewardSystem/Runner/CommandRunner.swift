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

/// The one place Steward starts processes: argv only, a fixed minimal environment (C locale, no pager or colours,
/// nothing of Steward's own), a timeout that kills the whole process group (so no grandchild outlives it).
public struct CommandRunner: CommandRunning {
    /// Output beyond this is an error rather than unbounded memory use.
    public var outputLimit = 32 * 1024 * 1024

    public init() {}

    /// A child's whole environment, with its command's own `environment` and `secretEnvironment` added: nothing is
    /// inherited from Steward's, where a root or CI token (`GITHUB_TOKEN`, `AWS_SECRET_ACCESS_KEY`), a `PGHOST` or
    /// a `PYTHONPATH` must not reach `manage.py`, pip, git or a hook. `HOME` is root's own (tools look there for
    /// their config); `runuser` replaces it with the target user's.
    static let baseEnvironment: [String: String] = [
        "PATH": "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LC_ALL": "C.UTF-8", "LANG": "C.UTF-8",
        "SYSTEMD_PAGER": "", "SYSTEMD_COLORS": "0", "PAGER": "cat", "GIT_TERMINAL_PROMPT": "0", "GIT_OPTIONAL_LOCKS": "0",
        "HOME": homeOfSteward,
    ]

    /// An absolute path as is; a name through the fixed PATH of ``baseEnvironment``.
    static func resolve(_ name: String) -> String? {
        if name.contains("/") { return name }
        for dir in (baseEnvironment["PATH"] ?? "").split(separator: ":") {
            let candidate = "\(dir)/\(name)"
            var st = stat()
            if stat(candidate, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, access(candidate, X_OK) == 0 { return candidate }
        }
        return nil
    }

    /// The home directory of Steward's user (root's), from the password database.
    public static let homeOfSteward: String = {
        guard let pw = getpwuid(geteuid()), let dir = pw.pointee.pw_dir else { return "/" }
        return String(cString: dir)
    }()

    public func run(_ command: Command, timeout: Duration = .seconds(10)) async -> Result<CommandResult, RunnerError> {
        _ = ForkSafety.installed
        var options = PlatformOptions()
        options.createSession = true
        options.teardownSequence = [.gracefulShutDown(toProcessGroup: true, allowedDurationToNextStep: .milliseconds(300))]
        // `runuser -u USER -- CMD` is started as CMD with USER's uid, gid and groups set before exec: nothing runs as
        // root with the environment meant for the app (its env file may set PATH, LD_PRELOAD or GLIBC_TUNABLES).
        var base = Self.baseEnvironment
        // The output file is opened by Steward's user: never for a command that runs as another user (it would
        // write, as root, where that user points).
        if command.outputFile != nil, command.runAs != nil {
            return .failure(.failedToRun(command.executable, reason: "an output file is written by Steward's own user, never for a command run as another"))
        }
        var started = command
        if let (user, inner) = command.runAs {
            guard let account = Account.named(user) else { return .failure(.failedToRun("runuser", reason: "no user \(user)")) }
            options.userID = account.uid
            options.groupID = account.gid
            options.supplementaryGroups = account.groups
            base.merge(["HOME": account.home, "USER": user, "LOGNAME": user, "SHELL": account.shell]) { _, user in user }
            started = inner
        }
        let command = started
        let name = command.executable
        // Looked up in Steward's own PATH, never the child's (swift-subprocess would use the PATH it is given).
        guard let path = Self.resolve(name) else { return .failure(.notFound(name)) }
        let executable: Executable = .path(FilePath(path))
        let limit = outputLimit
        let platformOptions = options
        var variables: [Environment.Key: String] = [:]
        for (name, value) in base.merging(command.secretEnvironment, uniquingKeysWith: { _, own in own })
            .merging(command.environment, uniquingKeysWith: { _, visible in visible }) {
            guard let key = Environment.Key(rawValue: name) else { return .failure(.failedToRun(name, reason: "invalid environment variable name")) }
            variables[key] = value
        }
        let environment: Environment = .custom(variables)
        let seconds = Double(timeout.components.seconds) + Double(timeout.components.attoseconds) / 1e18
        do {
            return try await withThrowingTaskGroup(of: CommandResult?.self) { group in
                group.addTask {
                    // The output file first: a failure to create it leaves no input descriptor open.
                    let output = try command.outputFile.map {
                        // A new file only: never an existing one (a link, a file with another mode) taken over.
                        try FileDescriptor.open(FilePath($0), .writeOnly, options: [.create, .exclusiveCreate, .noFollow, .closeOnExec],
                                                permissions: [.ownerReadWrite])
                    }
                    // Bytes decoded here (invalid UTF-8 repaired, as before): swift-subprocess's `.string` output decodes
                    // through an unspecialized generic path, ~1 ms for a fleet host's 6 KB answer.
                    func text(_ bytes: [UInt8]) -> String { String(decoding: bytes, as: UTF8.self) }
                    // One call for both kinds of input: swift-subprocess types the input statically.
                    func execute<Input: InputProtocol>(_ input: Input) async throws -> (TerminationStatus, String?, String?) {
                        if let output {
                            let r = try await Subprocess.run(
                                executable, arguments: Arguments(command.arguments), environment: environment,
                                workingDirectory: command.workingDirectory.map { FilePath($0) },
                                platformOptions: platformOptions, input: input,
                                output: .fileDescriptor(output, closeAfterSpawningProcess: true), error: .bytes(limit: 1024 * 1024))
                            return (r.terminationStatus, "", text(r.standardError))
                        }
                        let r = try await Subprocess.run(
                            executable, arguments: Arguments(command.arguments), environment: environment,
                            workingDirectory: command.workingDirectory.map { FilePath($0) },
                            platformOptions: platformOptions, input: input,
                            output: .bytes(limit: limit), error: .bytes(limit: 1024 * 1024))
                        return (r.terminationStatus, text(r.standardOutput), text(r.standardError))
                    }
                    let input: FileDescriptor?
                    do { input = command.input != nil ? nil : try command.inputFile.map { try FileDescriptor.open(FilePath($0), .readOnly) } } catch {
                        try? output?.close()
                        throw error
                    }
                    let (status, stdout, stderr) = if let bytes = command.input {
                        try await execute(.array(bytes))
                    } else if let input {
                        try await execute(.fileDescriptor(input, closeAfterSpawningProcess: true))
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
