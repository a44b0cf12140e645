import Foundation

/// A command line as an argv array: never a shell string, so no value can be reinterpreted by a shell.
public struct Command: Sendable, Equatable, CustomStringConvertible {
    /// Program name (looked up in PATH) or absolute path.
    public var executable: String
    public var arguments: [String]

    public init(_ executable: String, _ arguments: [String]) {
        self.executable = executable
        self.arguments = arguments
    }

    public var argv: [String] { [executable] + arguments }

    /// For logs and dry-runs: arguments quoted where a shell would need it. Not for execution.
    public var description: String {
        argv.map { arg in
            arg.isEmpty || arg.contains(where: { " '\"$`\\*?;&|<>()".contains($0) }) ? "'" + arg.replacingOccurrences(of: "'", with: "'\\''") + "'" : arg
        }.joined(separator: " ")
    }
}
