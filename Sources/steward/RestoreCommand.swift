import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore", abstract: "Restore a backup in place, with a safety backup and the app's checks.",
        discussion: """
            Takes a safety backup of the current state, stops the instance's running units, restores, starts them and \
            runs the instance's checks (declared and presets). If any step fails, the safety backup is put back and the \
            app started again. --dry-run prints each step with its command line and changes nothing.
            """)

    @Argument(help: "The backup id (see `steward backups`).")
    var id: String

    @Flag(help: "Print the plan; change nothing.")
    var dryRun = false

    @Flag(help: "Do not ask for confirmation.")
    var yes = false

    @Option(help: "Output format: text or json (schema steward.restore/1).")
    var format: ListFormat = .text

    @Option(help: "Progress events: text, or jsonl (JSON lines on stderr).")
    var events: EventStyle = .text

    @OptionGroup var options: BackupOptions

    func validate() throws {
        guard Int64(id.drop { $0 == "#" }) != nil else { throw ValidationError("ID: expected a backup id like 12, got \"\(id.prefix(30))\"") }
    }

    func run() async throws {
        let json = format == .json
        var request = RestoreOperation.Request(id: id, dryRun: true, manifest: options.manifest, store: options.store)
        if !dryRun {
            if !yes {
                // The operator confirms what the plan says would be overwritten; the run then reads the same manifest.
                let plan = try await OperationCLI.run(RestoreOperation.self, request, statePath: options.state, json: json, events: events)
                confirm(plan)
                request.manifest = plan.manifest ?? options.manifest
            }
            request.dryRun = false
        }
        let output = try await OperationCLI.run(RestoreOperation.self, request, statePath: options.state, json: json, events: events)
        if json {
            OperationCLI.printJSON(output)
        } else {
            print(RestoreText.render(output), terminator: "")
            if let failure = RestoreText.failure(output) { FileHandle.standardError.write(Data(failure.utf8)) }
        }
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }

    /// Asks the operator to type the instance's name; anything else (or no terminal) stops here, nothing changed.
    func confirm(_ plan: RestoreOperation.Output) {
        guard isatty(STDIN_FILENO) == 1 else { Self.fail("restore overwrites \(plan.origin); run it with --yes, or from a terminal to confirm") }
        let question = RestoreText.confirmation(plan)
        if format == .json { FileHandle.standardError.write(Data(question.utf8)) } else { print(question, terminator: "") }
        guard readLine()?.trimmingCharacters(in: .whitespaces) == plan.instance else { Self.fail("not confirmed; nothing was changed") }
    }
}
