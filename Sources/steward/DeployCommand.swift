import ArgumentParser
import Foundation
import StewardCore
import StewardSystem

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

    func validate() throws {
        let modes = [ref != nil, resume, abort].filter { $0 }.count
        guard modes == 1 else { throw ValidationError("give exactly one of --ref TAG, --resume or --abort") }
        if (allowUntagged || force) && (reason ?? "").trimmingCharacters(in: .whitespaces).isEmpty {
            throw ValidationError("--allow-untagged and --force need --reason \"why\"; it is recorded with the release")
        }
        if let ref, !RefPolicy.isSafeRef(ref) { throw ValidationError("--ref: \"\(ref.prefix(60))\" is not a tag, branch or commit name") }
        if dryRun && (resume || abort) { throw ValidationError("--dry-run plans a new deploy; it does not combine with --resume or --abort") }
        if abort && (force || allowUntagged) { throw ValidationError("--abort puts the previous release back; --force and --allow-untagged do not apply") }
        if resume && allowUntagged { throw ValidationError("--resume keeps the ref the interrupted deploy was allowed; --allow-untagged does not apply") }
    }

    func run() async throws {
        let ctx = await DeployContext.load(options, label: target)
        let engine = DeployEngine(target: ctx.target, state: ctx.state, say: DeployRun.say)
        if resume || abort {
            // --resume does not imply --force: a dirty tree is refused again unless this command says --force --reason.
            try await DeployRun.conclude(engine) { resume ? try await engine.resume(force: force, reason: reason) : try await engine.abort() }
        }
        let request = DeployRequest(ref: ref!, allowUntagged: allowUntagged, force: force, reason: reason)
        if dryRun { try await DeployRun.plan(engine, request) }
        try await DeployRun.conclude(engine) { try await engine.deploy(request) }
    }
}
