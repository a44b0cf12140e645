import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

struct ReleasesCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "releases", abstract: "The deploy history of an app instance, with results and step timings.")

    @Argument(help: "APP@INSTANCE (or APP).")
    var target: String

    @Option(help: "text or json.")
    var format: ListFormat = .text

    @Option(help: "Show at most this many deploys.")
    var limit: Int = 20

    @Option(help: "Steward's state database.")
    var state: String = StateStore.defaultPath

    func run() async throws {
        let parts = target.split(separator: "@", maxSplits: 1).map(String.init)
        let store: StateStore
        do { store = try StateStore(path: state) } catch { DeployRun.fail("cannot open the state database \(state): \(error)") }
        let records = try store.deploys(app: parts[0], instance: parts.count > 1 ? parts[1] : "", limit: limit)
        if format == .json { JSONOutput.print(records); return }
        if records.isEmpty { print("no deploys of \(target) recorded in \(state)"); return }
        for r in records { print(ReleaseLines.describe(r)) }
        if let unfinished = try DeployEngine.interrupted(state: store, app: parts[0], instance: parts.count > 1 ? parts[1] : "") {
            print("\n! " + DeployEngine.interruptedMessage(unfinished))
        }
    }
}

enum ReleaseLines {
    static func describe(_ r: DeployRecord) -> String {
        let duration = r.durationMs.map { Format.seconds(milliseconds: $0) } ?? "-"
        var lines = ["#\(r.id)  \(r.kind.rawValue)  \(r.ref)  \(r.shortCommit)  \(Timestamp.iso(r.startedAt))  by \(r.user)  \(r.status.rawValue)  \(duration)"
                     + (r.reason.isEmpty ? "" : "  reason: \(r.reason)")]
        let timings = r.steps.map { "\($0.name) \($0.result == .running ? "…" : Format.seconds(milliseconds: $0.durationMs))\($0.result == .failed ? " ✗" : $0.result == .skipped ? " –" : "")" }
        if !timings.isEmpty { lines.append("    steps: " + timings.joined(separator: ", ")) }
        if !r.backupIDs.isEmpty { lines.append("    pre-deploy backup: #" + r.backupIDs.map(String.init).joined(separator: ", #")) }
        if let schema = r.schema { lines.append("    schema: \(schema)") }
        if let error = r.error { lines.append("    error: \(error)") }
        return lines.joined(separator: "\n")
    }
}

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status", abstract: "What each app instance runs, its last deploy, and any interrupted deploy.",
        discussion: "Exit 0 when nothing is pending; 1 when a deploy was interrupted and waits for --resume or --abort.")

    @Argument(help: "APP or APP@INSTANCE; all when omitted.")
    var target: String?

    @Option(help: "Steward's state database.")
    var state: String = StateStore.defaultPath

    @Option(help: "Output format: text or json (schema steward.status/1).")
    var format: ListFormat = .text

    func run() async throws {
        let output = try await OperationCLI.run(StatusOperation.self, .init(target: target), statePath: state, json: format == .json)
        if format == .json { OperationCLI.printJSON(output) } else { print(StatusText.render(output), terminator: "") }
        if output.exitCode != 0 { throw ExitCode(output.exitCode) }
    }
}

struct RollbackCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rollback", abstract: "Go back to the previous good release (or --to TAG), with or without its database.",
        discussion: """
            When the database schema changed since that release, say what to do with it: --restore-db restores the \
            backup taken before the deploy that followed it (data written since is lost); --keep-db keeps the database \
            as it is (the older code must then work with the newer schema).
            """)

    @Argument(help: "APP@INSTANCE (or APP).")
    var target: String

    @Option(help: "A tag (or commit) deployed successfully before; default: the previous good release.")
    var to: String?

    @Flag(help: "Restore the database backup taken before the deploy that followed that release.")
    var restoreDb = false

    @Flag(help: "Keep the database as it is.")
    var keepDb = false

    @OptionGroup var options: BackupOptions

    func validate() throws {
        if restoreDb && keepDb { throw ValidationError("give --restore-db or --keep-db, not both") }
    }

    func run() async throws {
        let ctx = await DeployContext.load(options, label: target)
        let engine = DeployEngine(target: ctx.target, state: ctx.state, say: DeployRun.say)
        let history = try ctx.state.deploys(app: ctx.target.app, instance: ctx.target.instance, limit: 1000)
        let serving = await engine.serving()
        let good = history.filter { $0.status == .succeeded }
        let release: DeployRecord?
        if let to {
            release = good.first { $0.ref == to || (to.count >= 7 && $0.commit.hasPrefix(to)) }
            if release == nil { DeployRun.fail("\(to) was never deployed successfully to \(ctx.target.label); see steward releases \(ctx.target.label)") }
        } else {
            release = good.first { $0.commit != serving.commit }
            if release == nil { DeployRun.fail("no earlier good release of \(ctx.target.label) to go back to; see steward releases \(ctx.target.label)") }
        }
        let back = release!
        if back.commit == serving.commit { DeployRun.fail("\(ctx.target.label) already runs \(back.ref) (\(back.shortCommit))") }
        let now = await engine.currentSchema()
        var database: RollbackDatabase? = restoreDb ? .restore : keepDb ? .keep : nil
        // The backup taken before the first deploy after that release that migrated the database.
        let later = history.filter { $0.id > back.id && !$0.backupIDs.isEmpty && $0.kind != .rollback }.min { $0.id < $1.id }
        let changed = back.schema != nil && now != nil && back.schema != now
        if changed && database == nil {
            var text = "the database schema changed since \(back.ref) (then \(back.schema!), now \(now!)). Choose:\n"
            if let later {
                text += "  --restore-db  restore backup #\(later.backupIDs.map(String.init).joined(separator: ", #")), taken before deploy #\(later.id) of \(later.ref) on \(Timestamp.iso(later.startedAt)); data written since then is lost\n"
            } else {
                text += "  --restore-db  (not possible: no backup taken before a later deploy is recorded)\n"
            }
            text += "  --keep-db     keep the database as it is; \(back.ref)'s code must then work with the newer schema"
            DeployRun.fail(text)
        }
        if !changed && database == .restore && later == nil { DeployRun.fail("no pre-deploy backup recorded after \(back.ref) to restore") }
        if !changed && database == nil { database = .keep }
        try await DeployRun.conclude(engine) { try await engine.rollback(to: back, database: database, backupIDs: later?.backupIDs ?? []) }
    }
}

struct PromoteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "promote", abstract: "Deploy to one instance exactly the tag another runs (test → prod).",
        discussion: "Refused when the source instance is not on a tag or its checks fail.")

    @Argument(help: "The app.")
    var app: String

    @Option(help: "The instance whose release is promoted.")
    var from: String = "test"

    @Option(help: "The instance deployed.")
    var to: String = "prod"

    @Flag(help: "Show the plan; change nothing.")
    var dryRun = false

    @OptionGroup var options: BackupOptions

    func validate() throws {
        if from == to { throw ValidationError("--from and --to name the same instance") }
    }

    func run() async throws {
        let source = await DeployContext.load(options, label: "\(app)@\(from)")
        let sourceEngine = DeployEngine(target: source.target, state: source.state, say: DeployRun.say)
        let serving = await sourceEngine.serving()
        guard let commit = serving.commit else { DeployRun.fail("cannot tell what \(app)@\(from) runs") }
        let tags = await sourceEngine.tags(at: commit)
        guard let tag = tags.first else {
            DeployRun.fail("\(app)@\(from) runs \(commit.prefix(12)), which no tag points at; tag it (git tag vX.Y.Z \(commit.prefix(12))) and deploy the tag to \(from) first")
        }
        if let failure = await source.target.checks() {
            DeployRun.fail("\(app)@\(from) is not healthy, so \(tag) is not promoted: \(failure)")
        }
        print("promote: \(app)@\(from) runs \(tag) (\(commit.prefix(12))) and its checks pass")
        let dest = await DeployContext.load(options, label: "\(app)@\(to)")
        let engine = DeployEngine(target: dest.target, state: dest.state, say: DeployRun.say)
        let request = DeployRequest(ref: tag, kind: .promote, expectedCommit: commit)
        if dryRun { try await DeployRun.plan(engine, request) }
        try await DeployRun.conclude(engine) { try await engine.deploy(request) }
    }
}
