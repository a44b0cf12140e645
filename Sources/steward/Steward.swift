import ArgumentParser
import Foundation
import StewardCore
import StewardSystem

@main
struct Steward: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "steward",
        abstract: "Runbooks for self-hosted web apps, executed: audit a host's services, ports, logs, git and files.",
        discussion: """
            `steward audit` works with no configuration: it finds the apps among the admin's systemd units and reports \
            findings, each with evidence and the exact fix. A manifest (steward.yml) adds production flags, ports, \
            thresholds and silences.

            Exit codes (Nagios convention): 0 nothing to fix, 1 warnings, 2 critical findings, 3 the audit could not run.
            """,
        version: StewardVersion.string,
        subcommands: [AuditCommand.self, CheckCommand.self, HostsCommand.self, BackupCommand.self, BackupsCommand.self, RestoreCommand.self,
                      DeployCommand.self, RollbackCommand.self, ReleasesCommand.self, PromoteCommand.self, StatusCommand.self, AgentCommand.self, ServeCommand.self, AlertsCommand.self, RulesCommand.self, ProbesCommand.self, ManifestCommand.self, VersionCommand.self],
        defaultSubcommand: nil
    )
}

extension Steward {
    /// Runs the command; a usage error exits 3 ("could not run", Nagios UNKNOWN) rather than 64, so monitoring
    /// that calls `steward audit` tells a broken invocation from findings.
    static func main() async {
        // A write to a child's stdin that has exited (a fleet host without Steward answers 127 before reading the
        // request) must be an EPIPE error, not the death of Steward by SIGPIPE (CI: exit 141). A handler, not SIG_IGN:
        // a handler is reset at exec, so the children Steward runs still get the default SIGPIPE.
        signal(SIGPIPE, { _ in })
        StewardLogging.bootstrap()
        do {
            var command = try parseCommand()
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch let code as ExitCode {
            // How every operation ends: its exit code, nothing to print (ArgumentParser's own look-up of an error's
            // code reflects over the error types, ~0.4 ms of a fleet run's controller).
            Foundation.exit(code.rawValue)
        } catch {
            if exitCode(for: error) == .validationFailure {
                FileHandle.standardError.write(Data((fullMessage(for: error) + "\n").utf8))
                Foundation.exit(3)
            }
            exit(withError: error)
        }
    }
}

extension Steward {
    /// The command line parsed from the subcommand it names (`audit …` parsed by `AuditCommand` alone) when that
    /// parses cleanly, else from the root, whose parse also says every error and prints help, usage and
    /// completions with the `steward` name. Why: the root's parse first reflects over all 18 commands and
    /// their options, and in a binary this size each type's first reflection searches the runtime's ~14,000
    /// conformance records: the root's parse costs several milliseconds of every start, a fleet run's controller's
    /// and each host agent's. The same command with the same values runs either way.
    static func parseCommand(_ arguments: [String] = Array(CommandLine.arguments.dropFirst())) throws -> any ParsableCommand {
        guard let first = arguments.first, let sub = directSubcommand(first),
              !arguments.contains(where: { rootOnlyWords.contains($0) || $0.hasPrefix("--experimental") || $0.hasPrefix("--generate") }),
              let parsed = try? sub.parseAsRoot(Array(arguments.dropFirst())) else {
            return try parseAsRoot(arguments)
        }
        return parsed
    }

    /// Words the root answers itself (help, version, completions): the root parses them.
    static let rootOnlyWords: Set<String> = ["-h", "--help", "help", "--version"]

    /// The subcommand named `name`, when it is one.
    static func directSubcommand(_ name: String) -> ParsableCommand.Type? {
        configuration.subcommands.first { $0.configuration.commandName == name }
    }
}

/// The version is compiled in; the commit and build date come from the stamp `scripts/package` writes after linking
/// (``BuildStamp``), so a new commit does not force a rebuild. `steward --version` prints the bare version:
/// `scripts/package` reads it from there to name the package.
enum StewardVersion {
    static let string = "0.1.0"

    /// `0.1.0 (commit 0123456789ab, built 2025-12-02T09:28:00Z)`, or `0.1.0 (commit unknown: built from source)`.
    static var long: String {
        guard let stamp = BuildStamp.current else { return "\(string) (commit unknown: built from source)" }
        return "\(string) (commit \(stamp.shortCommit), built \(stamp.date))"
    }
}

struct VersionCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "version", abstract: "Print Steward's version, git commit and build date.")

    @Option(help: "text or json (schema steward.version/1).")
    var format: ListFormat = .text

    /// `commit` and `buildDate` are absent from a build nobody stamped (built from source).
    struct Document: Encodable {
        var schema = "steward.version/1"
        var version = StewardVersion.string
        var commit = BuildStamp.current?.commit
        var buildDate = BuildStamp.current?.date
    }

    func run() {
        if format == .json { OperationCLI.printJSON(Document()) } else { print("steward \(StewardVersion.long)") }
    }
}

extension ParsableCommand {
    static func fail(_ message: String) -> Never {
        FileHandle.standardError.write(Data("steward: \(message)\n".utf8))
        Foundation.exit(3)
    }
}
