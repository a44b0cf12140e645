import Foundation
import StewardCore
import StewardSystem

/// `steward restore ID`: puts a backup back in place of its source, safely (``RestoreService``): a safety backup
/// of the current state, the app's running units stopped, the restore, the units started and the instance's checks
/// run (declared and presets); when anything fails, the previous state is put back. With `dryRun`, returns the plan
/// (each step with its command lines) and changes nothing. Asking the operator to confirm is the front end's:
/// the output of a dry run says what would be overwritten.
public enum RestoreOperation: StewardOperation {
    public static let name = "restore"

    public struct Request: Codable, Sendable {
        /// A backup id (`12` or `#12`).
        public var id: String
        public var dryRun: Bool
        public var manifest: String?
        /// The store that holds the safety backup and the scratch files, instead of the app's `backup.store`.
        public var store: String?

        public init(id: String, dryRun: Bool = false, manifest: String? = nil, store: String? = nil) {
            self.id = id
            self.dryRun = dryRun
            self.manifest = manifest
            self.store = store
        }
    }

    public struct Step: Codable, Sendable, Equatable {
        public var title: String
        /// The command lines it runs, as a shell would take them.
        public var commands: [String]
    }

    /// `steward.restore/1` (docs/json.md).
    public struct Output: OperationOutput {
        public var schema = "steward.restore/1"
        public var backup: BackupRecord
        /// The source restored into (`APP@INSTANCE/SOURCE`), where its data lives, its instance and units.
        public var target: String
        public var origin: String
        public var instance: String
        public var units: [String]
        /// The manifest that was read (nil: none, zero-config).
        public var manifest: String?
        public var dryRun: Bool
        public var plan: [Step]
        /// What the restore did, in order (empty for a dry run).
        public var steps: [String] = []
        public var restored = false
        /// The previous state was put back after a failure.
        public var rolledBack = false
        public var safety: BackupRecord?
        public var error: String?
        public var exitCode: Int32 { error == nil ? 0 : 2 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        guard let id = Int64(request.id.drop { $0 == "#" }) else {
            throw OperationError(.invalidRequest, "id: expected a backup id like 12, got \"\(request.id.prefix(30))\"")
        }
        let apps = try await AppsOnHost.load(manifest: request.manifest, store: request.store, full: true, host: host)
        let found: BackupRecord?
        do { found = try apps.state.record(id: id) } catch {
            throw OperationError(.stateUnavailable, "cannot read the backup catalog in \(host.statePath): \(error)", subject: host.statePath)
        }
        guard let record = found else { throw OperationError(.notFound, "no backup \(request.id) in \(host.statePath)", subject: request.id) }
        guard let instance = apps.allApps.first(where: { $0.app == record.app && $0.name == record.instance }),
              let source = apps.sources(instance).first(where: { $0.name == record.source }) else {
            throw OperationError(.notFound, "\(record.label) is not declared on this host any more; nothing to restore into", subject: record.label)
        }
        // A Compose project's services other than its databases are stopped instead of units (the database's container
        // keeps running: the restore works inside it).
        let units = instance.kind == Inventory.composeKind ? [] : [instance.unit]
        let containers = apps.composeProject(instance).map { project in
            project.services.filter { !$0.isPostgres && ["running", "restarting"].contains($0.status) }.map(\.container)
        } ?? []
        let restorer = RestoreService(service: apps.service, store: apps.store(record.app))
        let plan: [RestoreService.Step]
        do { plan = try restorer.plan(record, source: source, units: units, containers: containers, checks: apps.checkSpecs(instance).map(\.id)) } catch {
            throw OperationError(.unavailable, "\(error)", subject: source.label)
        }
        var output = Output(backup: record, target: source.label, origin: source.origin, instance: instance.label, units: units + containers,
                            manifest: apps.loaded.path, dryRun: request.dryRun,
                            plan: plan.map { Step(title: $0.title, commands: $0.commands.map(\.display)) })
        if request.dryRun { return output }

        let lock: InstanceLock
        do { lock = try InstanceLock(stateDirectory: apps.service.stateDirectory, instance: instance.label, purpose: "steward restore #\(record.id)") } catch {
            throw OperationError(.busy, "\(error)", subject: instance.label)
        }
        let report = try await host.leased("restore", subject: instance.label, state: apps.state) { () async throws(OperationError) in
            await restorer.restore(record, source: source, units: units, containers: containers, progress: host.backupProgress) { await apps.runChecks(instance) }
        }
        withExtendedLifetime(lock) {}
        output.steps = report.steps
        output.restored = report.restored
        output.rolledBack = report.rolledBack
        output.safety = report.safety
        output.error = report.error
        return output
    }
}
