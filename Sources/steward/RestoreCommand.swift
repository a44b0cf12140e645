import ArgumentParser
import Foundation
import StewardCore
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

    @OptionGroup var options: BackupOptions

    func validate() throws {
        guard Int64(id.drop { $0 == "#" }) != nil else { throw ValidationError("ID: expected a backup id like 12, got \"\(id.prefix(30))\"") }
    }

    func run() async throws {
        let ctx = await BackupContext.load(options, full: true)
        guard let record = try ctx.service.state.record(id: Int64(id.drop { $0 == "#" })!) else { Self.fail("no backup \(id) in \(options.state)") }
        guard let instance = ctx.inventory.apps.first(where: { $0.app == record.app && $0.name == record.instance }),
              let source = ctx.sources(instance).first(where: { $0.name == record.source }) else {
            Self.fail("\(record.label) is not declared on this host any more; nothing to restore into")
        }
        let units = [instance.unit]
        let checkIDs = ctx.checkSpecs(instance).map(\.id)
        let restorer = RestoreService(service: ctx.service, store: ctx.store(record.app))
        let plan: [RestoreService.Step]
        do { plan = try restorer.plan(record, source: source, units: units, checks: checkIDs) } catch { Self.fail("\(error)") }
        if dryRun {
            print("restore #\(record.id) (\(Timestamp.iso(record.createdAt)), \(record.contents.summary)) into \(source.label) — dry run, nothing changes:")
            for (n, step) in plan.enumerated() {
                print("\(n + 1). \(step.title)")
                for c in step.commands { print("     \(c.display)") }
            }
            return
        }
        if !yes {
            guard isatty(STDIN_FILENO) == 1 else { Self.fail("restore overwrites \(source.origin); run it with --yes, or from a terminal to confirm") }
            print("This overwrites \(source.label) (\(source.origin)) with backup #\(record.id) from \(Timestamp.iso(record.createdAt)) and restarts \(units.joined(separator: ", ")).")
            print("Type \(instance.label) to continue: ", terminator: "")
            guard readLine()?.trimmingCharacters(in: .whitespaces) == instance.label else { Self.fail("not confirmed; nothing was changed") }
        }
        let lock: InstanceLock
        do { lock = try InstanceLock(stateDirectory: ctx.service.stateDirectory, instance: instance.label, purpose: "steward restore #\(record.id)") } catch { Self.fail("\(error)") }
        let report = await restorer.restore(record, source: source, units: units) { await ctx.runChecks(instance) }
        withExtendedLifetime(lock) {}
        for step in report.steps { print("• \(step)") }
        if let error = report.error {
            FileHandle.standardError.write(Data("steward: restore of #\(record.id) failed: \(error)\n".utf8))
            if report.rolledBack { FileHandle.standardError.write(Data("steward: the previous state was put back\n".utf8)) }
            throw ExitCode(2)
        }
        print("restored \(source.label) from #\(record.id)")
    }
}
