import ArgumentParser
import Foundation
import StewardOps

struct DeployCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "deploy", abstract: "Deploy a tag to an app instance: lock, backup, migrations, restart, health gate, automatic rollback.",
        discussion: """
            Steps, each recorded in the state database: preflight (tools, disk, the ref, a clean tree), lock, the \
            pre-deploy hook (.steward/hooks/pre-deploy), fetch and check out (or a new release directory), pip install \
            when requirements.txt changed, migrations when pending (after a backup of the database), build commands, \
            restart, the health gate (the instance's checks until a deadline) and the post-deploy hook.

            A failure before the restart puts the checkout and database back without touching the running app (exit 1). \
            A failure after it captures the health answer and the journal, switches the code back, restores the \
            database if migrations ran, restarts and re-checks (exit 2). Production instances take only tags.

            An interrupted deploy (kill -9, power loss) blocks the next one until `--resume` finishes it or `--abort` \
            puts the previous release back.
            """)

    @Argument(help: "APP@INSTANCE (or APP for an app with a single unit).")
    var target: String

    @Option(help: "The tag (or, with --allow-untagged, a branch or commit) to deploy.")
    var ref: String?

    @Flag(help: "Show the plan with every command line; change nothing.")
    var dryRun = false

    @Flag(help: "Allow a branch or bare commit on a production instance (needs --reason).")
    var allowUntagged = false

    @Flag(help: "Deploy over uncommitted changes in the checkout (needs --reason); --resume needs it again.")
    var force = false

    @Option(help: "Why --allow-untagged or --force is needed; recorded with the release.")
    var reason: String?

    @Flag(help: "Finish an interrupted deploy of this instance.")
    var resume = false

    @Flag(help: "Undo an interrupted deploy of this instance: previous code and database, restart, checks.")
    var abort = false

    @OptionGroup var options: BackupOptions

    @Option(help: "Output format: text or json (schema steward.deploy/1).")
    var format: ListFormat = .text

    @Option(help: "Progress as text lines (default) or JSON lines on stderr.")
    var events: EventStyle = .text

    var request: DeployOperation.Request {
        DeployOperation.Request(target: target, ref: ref, resume: resume, abort: abort, dryRun: dryRun, allowUntagged: allowUntagged,
                                force: force, reason: reason, manifest: options.manifest, store: options.store)
    }

    func validate() throws {
        if let problem = request.problem { throw ValidationError(problem) }
    }

    func run() async throws {
        let output = try await OperationCLI.run(DeployOperation.self, request, statePath: options.state, json: format == .json, events: events)
        if format == .json { OperationCLI.printJSON(output) } else { print(DeployText.render(output), terminator: "") }
        DeployText.reportUnrecorded(output.stateWriteError)
        throw ExitCode(output.exitCode)
    }
}
