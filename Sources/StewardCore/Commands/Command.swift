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

    public init(_ executable: String, _ arguments: [String], environment: [String: String] = [:], inputFile: String? = nil) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment
        self.inputFile = inputFile
    }

    /// The same command run as `user` (`runuser -u postgres -- createdb …`), for tools that authenticate by the
    /// operating-system user.
    public func asUser(_ user: String) -> Command {
        Command("runuser", ["-u", user, "--"] + argv, environment: environment, inputFile: inputFile)
    }

    /// The command with its environment written in front, as a shell would take it: for dry-runs and plans.
    public var display: String {
        let env = environment.sorted { $0.key < $1.key }.map { "\($0.key)=\(Self.quote($0.value))" }
        return (env + [description] + (inputFile.map { ["< " + Self.quote($0)] } ?? [])).joined(separator: " ")
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
