import Foundation
import StewardCore
import StewardSystem

/// What the app operations (backup, verify, restore, prune, schedule, deploy, rollback, promote) work from: the
/// manifest, the host's facts (units, env files; with `full`, what the checks' presets need too), the inventory
/// of app instances, and the backup service on the state database. Built once per operation.
public struct AppsOnHost: Sendable {
    public let host: HostContext
    public let loaded: LoadedManifest
    public let facts: Facts
    public let inventory: Inventory
    public let service: BackupService
    /// The request's store override (`--store`), else each app's `backup.store`.
    public let storeOverride: String?

    public var manifest: Manifest { loaded.manifest }
    public var state: StateStore { service.state }

    /// `full` gathers what the checks' presets need (nginx, sockets), for a restore or a deploy; otherwise only the
    /// units and env files, so backup, verify and prune do not pay for a whole audit at start-up.
    public static func load(manifest explicit: String?, store: String? = nil, full: Bool = false, host: HostContext) async throws(OperationError) -> AppsOnHost {
        if let store, !store.hasPrefix("/") || store == "/" {
            throw OperationError(.invalidRequest, "store: expected an absolute path, got \"\(store.prefix(60))\"")
        }
        let loaded = try ManifestSource.load(explicit: explicit, host: host)
        let audit = Audit(context: host.probeContext(), manifest: loaded.manifest)
        let facts: Facts
        if full {
            facts = await audit.gather().0
        } else {
            do { facts = try await audit.gatherUnitsAndEnvFiles() } catch {
                throw OperationError(.unavailable, "cannot list the systemd units: \(error)")
            }
        }
        let state = try host.openState()
        return AppsOnHost(host: host, loaded: loaded, facts: facts, inventory: Inventory.build(facts: facts, manifest: loaded.manifest),
                          service: BackupService(state: state, files: host.files, runner: host.runner, clock: host.wallClock), storeOverride: store)
    }

    /// The app instances `target` names; every app when nil. An unknown target is an error naming the known ones.
    public func instances(_ target: TargetName?) throws(OperationError) -> [Inventory.Instance] {
        guard let target else { return allApps }
        let found = allApps.filter { target.matches(app: $0.app, instance: $0.name) }
        if found.isEmpty {
            let known = allApps.map(\.label).joined(separator: ", ")
            throw OperationError(.invalidRequest, "no app instance \(target) on this host\(known.isEmpty ? "" : "; known: \(known)")", subject: target.description)
        }
        return found
    }

    /// Exactly one instance, for operations that act on one (deploy, rollback).
    public func instance(_ target: TargetName) throws(OperationError) -> Inventory.Instance {
        let found = try instances(target)
        guard found.count == 1, let instance = found.first else {
            throw OperationError(.invalidRequest, "\(target) names \(found.count) instances (\(found.map(\.label).joined(separator: ", "))); name one as APP@INSTANCE", subject: target.description)
        }
        return instance
    }

    /// The units' app instances, then the Compose projects (``Inventory/composeInstances(facts:manifest:)``).
    public var allApps: [Inventory.Instance] { inventory.apps + Inventory.composeInstances(facts: facts, manifest: manifest) }

    /// The project's facts when `instance` is a Compose project.
    public func composeProject(_ instance: Inventory.Instance) -> ComposeFacts? {
        instance.kind == Inventory.composeKind ? Inventory.composeProject(of: instance, facts: facts, manifest: manifest) : nil
    }

    public func spec(_ app: String) -> BackupSpec { manifest.app(named: app)?.backup ?? .defaults }
    public func store(_ app: String) -> String { storeOverride ?? spec(app).store }
    public func sources(_ instance: Inventory.Instance) -> [BackupSource] { BackupPlanner.sources(for: instance, facts: facts, manifest: manifest) }

    /// The source a catalog record came from, as the host declares it now.
    public func source(of record: BackupRecord) -> BackupSource? {
        allApps.first { $0.app == record.app && $0.name == record.instance }
            .flatMap { sources($0).first { $0.name == record.source } }
    }

    /// The instance's checks: the manifest's and the presets, for every app (declared or discovered).
    public func checkSpecs(_ instance: Inventory.Instance) -> [CheckSpec] {
        let name = instance.name.isEmpty ? nil : instance.name
        return (manifest.checks + Presets.checks(inventory: inventory, facts: facts, manifest: manifest, declaredOnly: false))
            .filter { $0.app == instance.app && ($0.instance == nil || $0.instance == name) }
    }

    /// One run of `specs`: nil when all pass, else what failed.
    public func checkOnce(_ specs: [CheckSpec]) async -> String? {
        let report = await CheckRunner(context: host.probeContext(), maxParallel: 8, deadline: .seconds(20)).run(specs)
        let failed = report.results.filter { $0.status != .pass }
        return failed.isEmpty ? nil : failed.map { "\($0.id): \($0.message)" }.joined(separator: "; ")
    }

    /// The instance's checks, run to judge a restore: the app needs a moment to start, so they are retried for up to
    /// about 16 s. nil when they pass, else what failed.
    public func runChecks(_ instance: Inventory.Instance) async -> String? {
        let specs = checkSpecs(instance)
        var last = ""
        for attempt in 0..<8 {
            if attempt > 0 { try? await Task.sleep(for: .seconds(2)) }
            guard let failure = await checkOnce(specs) else { return nil }
            last = failure
        }
        return last
    }
}
