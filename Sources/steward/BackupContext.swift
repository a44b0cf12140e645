import ArgumentParser
import Foundation
import StewardCore
import StewardSystem

/// Options every backup command shares.
struct BackupOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Manifest to use (default: ./steward.yml, then /etc/steward/steward.yml).")
    var manifest: String?

    @Option(help: "Steward's state database (the backup catalog).")
    var state: String = StateStore.defaultPath

    @Option(help: "Store backups under this directory instead of the manifest's backup.store (default /var/backups/steward).")
    var store: String?

    func validate() throws {
        for (name, value) in [("--state", state), ("--store", store ?? "/x")] where !value.hasPrefix("/") || value == "/" {
            throw ValidationError("\(name): expected an absolute path, got \"\(value.prefix(60))\"")
        }
    }
}

/// What the backup commands work from: the manifest, the host's facts (units, env files) and the catalog.
struct BackupContext {
    let options: BackupOptions
    let manifest: Manifest
    let facts: Facts
    let inventory: Inventory
    let service: BackupService

    /// `full` gathers what the checks' presets need too (nginx, sockets), for a restore; otherwise only the units
    /// and env files.
    static func load(_ options: BackupOptions, full: Bool = false) async -> BackupContext {
        let manifest = ManifestLoading.load(explicit: options.manifest)
        let audit = Audit(context: ProbeContext(), manifest: manifest)
        let facts: Facts
        if full {
            facts = await audit.gather().0
        } else {
            do { facts = try await audit.gatherUnitsAndEnvFiles() } catch { BackupRun.fail("cannot list the systemd units: \(error)") }
        }
        let state: StateStore
        do { state = try StateStore(path: options.state) } catch { BackupRun.fail("cannot open the state database \(options.state): \(error)") }
        return BackupContext(options: options, manifest: manifest, facts: facts,
                             inventory: Inventory.build(facts: facts, manifest: manifest), service: BackupService(state: state))
    }

    /// The app instances `target` (`app` or `app@instance`) names; every app when nil. Fails with the known names.
    func instances(_ target: String?) -> [Inventory.Instance] {
        guard let target else { return inventory.apps }
        let parts = target.split(separator: "@", maxSplits: 1).map(String.init)
        let found = inventory.apps.filter { $0.app == parts[0] && (parts.count == 1 || $0.name == parts[1]) }
        if found.isEmpty {
            let known = inventory.apps.map(\.label).joined(separator: ", ")
            BackupRun.fail("no app instance \(target) on this host\(known.isEmpty ? "" : "; known: \(known)")")
        }
        return found
    }

    func spec(_ app: String) -> BackupSpec { manifest.app(named: app)?.backup ?? .defaults }
    func store(_ app: String) -> String { options.store ?? spec(app).store }
    func sources(_ instance: Inventory.Instance) -> [BackupSource] { BackupPlanner.sources(for: instance, facts: facts, manifest: manifest) }

    /// The source a catalog record came from, as the host declares it now.
    func source(of record: BackupRecord) -> BackupSource? {
        inventory.apps.first { $0.app == record.app && $0.name == record.instance }
            .flatMap { sources($0).first { $0.name == record.source } }
    }

    /// The instance's checks: the manifest's and the presets, for every app (declared or discovered).
    func checkSpecs(_ instance: Inventory.Instance) -> [CheckSpec] {
        let name = instance.name.isEmpty ? nil : instance.name
        return (manifest.checks + Presets.checks(inventory: inventory, facts: facts, manifest: manifest, declaredOnly: false))
            .filter { $0.app == instance.app && ($0.instance == nil || $0.instance == name) }
    }

    /// The instance's checks, run to judge a restore; nil when they pass, else what failed.
    func runChecks(_ instance: Inventory.Instance) async -> String? {
        let specs = checkSpecs(instance)
        var last = ""
        // The app needs a moment to start: retry for up to about 16 s.
        for attempt in 0..<8 {
            if attempt > 0 { try? await Task.sleep(for: .seconds(2)) }
            let report = await CheckRunner(context: ProbeContext(), maxParallel: 8, deadline: .seconds(20)).run(specs)
            let failed = report.results.filter { $0.status != .pass }
            if failed.isEmpty { return nil }
            last = failed.map { "\($0.id): \($0.message)" }.joined(separator: "; ")
        }
        return last
    }
}

enum ListFormat: String, ExpressibleByArgument, CaseIterable { case text, json }

extension BackupRecord {
    /// One line of a listing: `#12 2026-11-23T01:02:03Z marb@prod/db postgres 4.1 MiB 1a2b3c4d5e6f 1.2 s verified`.
    var line: String {
        let seconds = Format.seconds(milliseconds: durationMs)
        return "#\(id)  \(Timestamp.iso(createdAt))  \(label)  \(kind.rawValue)  \(Format.bytes(sizeBytes))  sha256:\(sha256.prefix(12))  \(seconds)  \(contents.summary)  \(verificationStatus)"
    }
}

enum JSONOutput {
    static func print<T: Encodable>(_ value: T) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        encoder.dateEncodingStrategy = .iso8601
        let data = (try? encoder.encode(value)) ?? Data("null".utf8)
        FileHandle.standardOutput.write(data + Data("\n".utf8))
    }
}
