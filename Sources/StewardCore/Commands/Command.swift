import Foundation

/// A command line as an argv array: never a shell string, so no value can be reinterpreted by a shell.
public struct Command: Sendable, Equatable, CustomStringConvertible {
    /// Program name (looked up in PATH) or absolute path.
    public var executable: String
    public var arguments: [String]
    /// Variables added to the runner's environment. Never a secret: a password goes in a file that a variable
    /// names (`PGPASSFILE`), so the dry-run and logs can show every variable.
    public var environment: [String: String]
    /// A file opened by the runner (as Steward's user) and given as standard input: how a tool that runs as another
    /// user (`runuser -u postgres -- pg_restore`) reads a backup file that only root may open.
    public var inputFile: String?
    /// The directory the command runs in (`manage.py` in the Django project); nil means Steward's own.
    public var workingDirectory: String?
    /// The app's own environment (its env file: `DATABASE_URL`, `SECRET_KEY`), given to the app's commands
    /// (`manage.py migrate`) as the unit would give it. Never shown: not in ``display``, ``description``, logs or
    /// records; only the names are (``secretNames``).
    public var secretEnvironment: [String: String]
    /// Bytes given as standard input: the fleet's request to `steward agent` on a host (a small JSON document,
    /// never a secret: ``display`` shows its size only).
    public var input: [UInt8]?
    /// A new file (created, never through a link, mode 0600) that receives standard output, opened by the runner as
    /// Steward's user: how a dump streamed out of a container (`docker exec … pg_dump`) reaches the store without
    /// passing through memory.
    public var outputFile: String?

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], inputFile: String? = nil,
                workingDirectory: String? = nil, secretEnvironment: [String: String] = [:]) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.inputFile = inputFile
        self.workingDirectory = workingDirectory
        self.secretEnvironment = secretEnvironment
    }

    /// The same command in `directory` with the app's environment.
    public func inApp(directory: String?, environment secrets: [String: String]) -> Command {
        var c = self
        c.workingDirectory = directory
        c.secretEnvironment = secrets
        return c
    }

    /// The same command with `bytes` on its standard input.
    public func withInput(_ bytes: [UInt8]) -> Command {
        var c = self
        c.input = bytes
        return c
    }

    /// The same command with its standard output written to `path` (see ``outputFile``).
    public func writing(to path: String) -> Command {
        var c = self
        c.outputFile = path
        return c
    }

    /// The same command run as `user` (`runuser -u postgres -- createdb …`), for tools that authenticate by the
    /// operating-system user.
    public func asUser(_ user: String) -> Command {
        var c = Command("runuser", ["-u", user, "--"] + argv, environment: environment, inputFile: inputFile,
                        workingDirectory: workingDirectory, secretEnvironment: secretEnvironment)
        c.input = input
        c.outputFile = outputFile
        return c
    }

    /// The user and the command of a ``asUser(_:)`` line (`runuser -u USER -- …`), for the runner: it starts the
    /// inner command as that user itself rather than through `runuser`, which would run as root with the app's
    /// environment (a `PATH` or `LD_PRELOAD` from an env file the app's user writes).
    public var runAs: (user: String, command: Command)? {
        guard executable == "runuser", arguments.count >= 4, arguments[0] == "-u", arguments[2] == "--" else { return nil }
        var inner = Command(arguments[3], Array(arguments.dropFirst(4)), environment: environment, inputFile: inputFile,
                            workingDirectory: workingDirectory, secretEnvironment: secretEnvironment)
        inner.input = input
        inner.outputFile = outputFile
        return (arguments[1], inner)
    }

    /// The command with its environment written in front, as a shell would take it: for dry-runs and plans.
    public var display: String {
        let env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }
        let cd = workingDirectory.map { ["(in \(Self.quote($0)))"] } ?? []
        let secrets = secretEnvironment.isEmpty ? [] : ["(+ the app's environment: \(secretEnvironment.keys.sorted().joined(separator: ", ")))"]
        let input = input.map { ["(+ \($0.count) bytes on standard input)"] } ?? []
        return (env + [description] + (inputFile.map { ["< " + Self.quote($0)] } ?? []) + (outputFile.map { ["> " + Self.quote($0)] } ?? []) + input + cd + secrets).joined(separator: " ")
    }

    public var argv: [String] { [executable] + arguments }

    /// For logs and dry-runs: arguments quoted where a shell would need it. Not for execution.
    public var description: String {
        argv.map(Self.quote).joined(separator: " ")
    }

    /// An argument as a shell would need it written: single-quoted when it holds anything special.
    public static func quote(_ arg: String) -> String {
        arg.isEmpty || arg.contains(where: { " '\"$`\\*?;&|<>()".contains($0) }) ? "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'" : arg
    }
}
