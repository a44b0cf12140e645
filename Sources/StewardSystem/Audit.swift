import Foundation
import StewardCore

/// Gathers the facts of a host with the probes, concurrently where they are independent, then applies the rules.
///
/// Phase 1 needs nothing: systemd units, sockets, host basics, host-wide logs, nginx, system python.
/// Phase 2 needs the units: their logs, env files, app directories (git), filesystems and ngrok configs.
public struct Audit: Sendable {
    public var context: ProbeContext
    public var manifest: Manifest
    /// Steward's state database, for the backup rules; nil leaves the catalog out (and those rules silent).
    public var statePath: String?

    public init(context: ProbeContext = ProbeContext(), manifest: Manifest = .empty, statePath: String? = nil) {
        self.context = context
        self.manifest = manifest
        self.statePath = statePath
    }

    /// The units the manifest declares, probed even when systemd does not list them (a template's instances).
    var declaredUnits: [String] {
        manifest.apps.flatMap { app in app.instances.isEmpty ? [app.unit ?? "\(app.name).service"] : app.instances.map { app.unitName(forInstance: $0.name) } }
    }

    /// Only what the inventory and the backup plan need: the units and their env files. No journal, git, sockets
    /// or nginx, so commands that act on apps (backup, verify, prune) do not pay for a whole audit at start-up.
    public func gatherUnitsAndEnvFiles() async throws -> Facts {
        let ctx = context
        var facts = Facts(units: try await SystemdProbe.gather(ctx, extraUnits: declaredUnits), windowHours: ctx.windowHours)
        let inventory = Inventory.build(facts: facts, manifest: manifest)
        facts.envFiles = FilesProbe.envFiles(ctx, paths: unique(inventory.instances.compactMap { facts.unit($0.unit) }.flatMap { $0.environmentFiles.map(\.path) }))
        return facts
    }

    public func gather() async -> (Facts, [ProbeReport]) {
        let ctx = context
        let declared = declaredUnits
        async let unitsProbe = measure("systemd") { try await SystemdProbe.gather(ctx, extraUnits: declared) }
        async let socketsProbe = measure("sockets") { try SocketProbe.gather(ctx) }
        async let hostProbe = measure("host") { try HostProbe.gather(ctx) }
        async let hostLogsProbe = measure("journal.host") { try await JournalProbe.hostLogs(ctx) }
        async let nginxProbe = measure("nginx") { try await ProxyProbe.nginx(ctx) }
        let python = HostProbe.systemPython(ctx.files)
        let statePath = self.statePath.map { ctx.files.path($0) }
        async let backupsProbe = measure("backups") { () throws -> BackupCatalogFacts? in
            guard let statePath else { throw ProbeSkipped("no state database given") }
            let records = try StateStore.openReadOnly(path: statePath)?.records() ?? []
            return BackupCatalogFacts(database: statePath, observedAt: Date(), records: records)
        }

        let (units, unitsReport) = await unitsProbe
        var facts = Facts(units: units ?? [], systemPythonVersion: python, windowHours: ctx.windowHours)
        let inventory = Inventory.build(facts: facts, manifest: manifest)
        let auditedUnits = inventory.instances.compactMap { facts.unit($0.unit) }
        let envPaths = unique(auditedUnits.flatMap { $0.environmentFiles.map(\.path) })
        let dirs = unique(inventory.instances.compactMap(\.workingDirectory))

        async let logsProbe = measure("journal.units") { try await JournalProbe.unitLogs(ctx, units: auditedUnits.map(\.name)) }
        async let dirsProbe = measure("appdirs") {
            await withTaskGroup(of: (Int, AppDirFacts).self) { group in
                for (i, dir) in dirs.enumerated() { group.addTask { (i, await FilesProbe.appDir(ctx, path: dir)) } }
                var out: [(Int, AppDirFacts)] = []
                for await item in group { out.append(item) }
                return out.sorted { $0.0 < $1.0 }.map(\.1)
            }
        }
        let (envFiles, envReport) = await measure("envfiles") { FilesProbe.envFiles(ctx, paths: envPaths) }
        let (ngrok, ngrokReport) = await measure("ngrok") { ProxyProbe.ngrok(ctx, units: auditedUnits, envFiles: envFiles ?? []) }
        let (filesystems, fsReport) = await measure("filesystems") { try HostProbe.filesystems(ctx.files, holding: dirs) }

        let (host, hostReport) = await hostProbe
        facts.host = host
        facts.host?.filesystems = filesystems ?? []
        let (sockets, socketsReport) = await socketsProbe
        facts.sockets = sockets
        let (hostLogs, hostLogsReport) = await hostLogsProbe
        facts.hostLogs = hostLogs
        let (nginx, nginxReport) = await nginxProbe
        facts.nginx = nginx
        let (logs, logsReport) = await logsProbe
        facts.unitLogs = logs ?? []
        let (appDirs, dirsReport) = await dirsProbe
        facts.appDirs = appDirs ?? []
        facts.envFiles = envFiles ?? []
        facts.ngrok = ngrok ?? []
        let (backups, backupsReport) = await backupsProbe
        facts.backups = backups ?? nil
        let reports = [hostReport, fsReport, unitsReport, logsReport, hostLogsReport, socketsReport, envReport, dirsReport,
                       nginxReport, ngrokReport] + (self.statePath == nil ? [] : [backupsReport])
        return (facts, reports)
    }

    /// Gathers, evaluates and packages a report.
    public func run(now: Date = Date()) async -> AuditReport {
        let start = ContinuousClock.now
        let (facts, reports) = await gather()
        let ctx = AuditContext(facts: facts, manifest: manifest)
        let findings = RuleCatalog.evaluate(ctx)
        let elapsed = ContinuousClock.now - start
        let ms = Int(elapsed.components.seconds * 1000 + elapsed.components.attoseconds / 1_000_000_000_000_000)
        let stamp = ISO8601DateFormatter().string(from: now)
        return AuditReport(facts: facts, context: ctx, findings: findings, probes: reports, generatedAt: stamp, durationMs: ms)
    }
}

func unique(_ items: [String]) -> [String] {
    var seen = Set<String>()
    return items.filter { seen.insert($0).inserted }
}
