import ArgumentParser
import Foundation
import StewardCore
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

    @OptionGroup(title: "Fleet")
    var fleet: FleetOptions

    @Option(help: "With --hosts: how many hosts deploy at once; the next batch starts when all of these passed.")
    var batch: Int = 1

    @Option(help: "With --hosts: the wait between batches, e.g. 10s or 2m.")
    var pause: String = "0s"

    @Flag(help: "With --hosts: when a host fails, roll back the hosts already deployed too.")
    var allOrNothing = false

    var request: DeployOperation.Request {
        DeployOperation.Request(target: target, ref: ref, resume: resume, abort: abort, dryRun: dryRun, allowUntagged: allowUntagged,
                                force: force, reason: reason, manifest: options.manifest, store: options.store)
    }

    func validate() throws {
        if let problem = request.problem { throw ValidationError(problem) }
        guard (1...256).contains(batch) else { throw ValidationError("--batch: expected 1 to 256, got \(batch)") }
        guard CheckDuration.parseMilliseconds(pause) != nil else {
            throw ValidationError("--pause: expected a duration like 0s, 10s or 2m, got \"\(pause.prefix(20))\"")
        }
        if fleet.hosts == nil && (batch != 1 || pause != "0s" || allOrNothing) {
            throw ValidationError("--batch, --pause and --all-or-nothing go with --hosts")
        }
        if fleet.hosts != nil && (resume || abort) { throw ValidationError("--hosts: --resume and --abort are run on the host itself") }
    }

    func run() async throws {
        if fleet.hosts != nil {
            var remote = request
            remote.manifest = nil
            if dryRun {
                // A dry run changes nothing anywhere: every host shows its plan at once.
                try await FleetCLI.run(DeployOperation.self, remote, fleet: fleet, manifest: options.manifest, state: options.state,
                                       format: format == .json ? .json : .text, events: events) { DeployText.render($0) }
            }
            try await FleetCLI.rollout(remote, rollback: RollbackOperation.Request(target: target, store: options.store), fleet: fleet,
                                       manifest: options.manifest, state: options.state, batch: batch,
                                       pause: .milliseconds(CheckDuration.parseMilliseconds(pause) ?? 0), allOrNothing: allOrNothing,
                                       json: format == .json, events: events)
        }
        let output = try await OperationCLI.run(DeployOperation.self, request, statePath: options.state, json: format == .json, events: events)
        if format == .json { OperationCLI.printJSON(output) } else { print(DeployText.render(output), terminator: "") }
        DeployText.reportUnrecorded(output.stateWriteError)
        throw ExitCode(output.exitCode)
    }
}
