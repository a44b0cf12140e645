import Foundation
import Hummingbird
import HummingbirdCore
import Logging
import ServiceLifecycle
import StewardCore
import StewardOps
import StewardSystem

/// `steward serve`: loads the manifest, opens the history, and runs, until SIGTERM or SIGINT, one service group of
/// (in start order) the history writer, the alert delivery and engine, the API's operations, the check scheduler, the audit loop, the state import,
/// the HTTP application and the systemd notifier.
/// Shutdown goes in reverse: the notifier says STOPPING=1 at once, the listener closes, running checks finish and
/// are recorded, operations the API started finish, and the writer flushes last.
public enum ServeDaemon {
    /// How long one audit through the agent may take before it is killed and the run counted failed: an audit takes
    /// well under a second on our users' boxes; one that hangs must not hold its slot for ever.
    static let auditTimeout: Duration = .seconds(600)

    public static func run(_ launch: ServeLaunch) async throws(OperationError) {
        // One malloc heap: the daemon's threads mostly wait (4 % of a core with 500 checks), so they seldom meet on
        // its lock, and every further heap keeps the free memory of its own peaks (measured with 500 checks after
        // 30 min: bench/serve-bench.sh, README). A long-running daemon's memory is a feature (MemoryTrim).
        MemoryTrim.limitHeaps(1)
        let logger = launch.logger
        let host = launch.host
        let loaded = try ManifestSource.load(explicit: launch.manifestPath, host: host)
        let spec = loaded.manifest.serve ?? .defaults
        let specs = try await CheckOperation.selectedSpecs(.init(manifest: launch.manifestPath), host: host)
        let checks = specs.map(ScheduledCheck.init)
        let historyPath = launch.historyPath ?? spec.history.path
        let store: HistoryStore
        do {
            store = try HistoryStore(path: host.files.path(historyPath), options: .init(sizeCapBytes: spec.history.sizeCapBytes))
        } catch {
            throw OperationError(.stateUnavailable, "cannot open the history \(historyPath): \(error)", subject: historyPath)
        }
        let history = HistoryAccess(store: store)
        let live = LiveState(checks: checks)
        await seed(live, checks, history, logger: logger)
        let metrics = CheckMetrics()
        for entry in live.snapshot() {
            if let status = entry.status { metrics.update(entry.check.spec, status: status, latencyMs: entry.latencyMs ?? 0) }
        }
        // The rollups every 5 minutes read pages and run code nothing else does: given back at once, as after an
        // audit, rather than held until the next trim (measured: ~1.5 MiB for up to 3 minutes).
        let writer = HistoryWriter(history: history, logger: logger, afterMaintenance: {
            try? await history.run { $0.releaseMemory() }
            _ = MemoryTrim.run()
        })
        let alertsSpec = spec.alerts
        let delivery = ChannelDelivery(runner: host.runner, files: host.files, allowPrivate: alertsSpec.allowPrivate)
        let dispatcher = AlertDispatcher(channels: alertsSpec.channels, history: history, logger: logger) { message, channel in
            await delivery.deliver(message, via: channel)
        }
        let alerts = AlertEngine(spec: alertsSpec, history: history, statePath: host.statePath, checks: checks,
                                 host: InstanceLock.hostName, dispatcher: dispatcher, logger: logger)
        let probes = host.probeContext()
        let httpClients = HTTPClients(parallel: spec.checks.parallel)
        let scheduler = CheckScheduler(
            checks: checks, clock: ContinuousClock(), parallel: spec.checks.parallel, jitter: spec.checks.jitterPercent / 100,
            run: { spec in await runOnce(spec, probes, httpClients) },
            record: { check, result in
                let at = Date()
                writer.append(CheckSample(check: check.key, at: at, status: result.status, latencyMs: result.durationMs))
                live.update(key: check.key, result, at: at)
                metrics.update(check.spec, status: result.status, latencyMs: result.durationMs)
                alerts.observe(check, result, at: at)
            })
        let manifestPath = launch.manifestPath, statePath = host.statePath
        let audits = AuditLoop(interval: .seconds(spec.audit.intervalMinutes * 60), history: history, logger: logger,
                               recorded: { findings, at in alerts.observe(findings: findings, at: at) },
                               // What reading the report took (its JSON, the findings) is given back at once, not at the
                               // next trim: an audit is rare, its leftovers would otherwise sit there for minutes.
                               afterward: { _ = MemoryTrim.run() }) {
            let request = AuditOperation.Request(manifest: manifestPath, state: statePath, brief: launch.auditAgent == nil ? nil : true)
            let report = if let agent = launch.auditAgent {
                try await AgentCall.run(AuditOperation.self, request, state: statePath, transport: agent, timeout: auditTimeout).output
            } else {
                try await AuditOperation.run(request, on: host)
            }
            return AuditOutcome(findings: report.activeFindings,
                                unknownProbes: report.probes.filter { $0.status == .unknown }.map(\.name))
        }
        let importer = StateImporter(statePath: host.statePath, history: history, logger: logger)
        let tokens = TokenStore(path: host.files.path(spec.tokens))
        if let problem = tokens.problem() { logger.warning("API tokens: \(problem); every API request is refused until it is fixed") }
        let alive: @Sendable () -> Bool = { scheduler.isAlive() && writer.isHealthy() }
        let notifier = NotifierService(notifier: SystemdNotifier(socket: launch.notifySocket, logger: logger),
                                       watchdog: launch.watchdog, alive: alive)
        let operations = ServeOperations(base: host, history: history, logger: logger)
        let backups = BackupLoop.onHost(host, manifest: loaded, operations: operations, history: history, logger: logger)
        let fleet = try fleetWatch(spec.fleet, manifestPath: launch.manifestPath, host: host, logger: logger) { samples in
            for sample in samples { writer.append(sample) }
        }
        var routes = ServeRouteState(live: live, metrics: metrics, history: history, tokens: tokens,
                                     metricsNeedToken: spec.metricsNeedToken, alive: alive)
        routes.runChecks = { checks in await scheduler.runNow(checks) }
        routes.operations = operations
        routes.alerts = alerts
        routes.manifestPath = loaded.path
        routes.instances = InstanceOverview.subjects(loaded.manifest)
        routes.fleet = fleet?.view
        let router = ServeRoutes.router(routes)
        let app = Application(router: router, server: .http1(configuration: .init(idleTimeout: .seconds(30))),
                              configuration: .init(address: .hostname(spec.address, port: spec.port), serverName: nil,
                                                   availableConnectionsDelegate: MaximumAvailableConnections(256)),
                              onServerRunning: { _ in
                                  logger.info("listening on \(spec.address):\(spec.port); \(checks.count) checks scheduled")
                                  notifier.ready()
                              }, logger: logger)
        var config = ServiceGroupConfiguration(services: [
            .init(service: writer, serviceName: "history"),
            .init(service: dispatcher, serviceName: "alert-delivery"),
            .init(service: alerts, serviceName: "alerts"),
            .init(service: operations, serviceName: "operations"),
            .init(service: scheduler, serviceName: "scheduler"),
            .init(service: audits, serviceName: "audit"),
            .init(service: backups, serviceName: "backups"),
            .init(service: importer, serviceName: "state-import"),
            .init(service: app, serviceName: "http"),
            .init(service: MemoryTrimService(logger: logger, before: { try? await history.run { $0.releaseMemory() } }), serviceName: "memory"),
            .init(service: notifier, serviceName: "systemd"),
        ] + (fleet.map { [.init(service: $0, serviceName: "fleet")] } ?? []),
           gracefulShutdownSignals: [.sigterm, .sigint], cancellationSignals: [], logger: logger)
        config.maximumGracefulShutdownDuration = Duration.seconds(100)
        config.maximumCancellationDuration = Duration.seconds(10)
        do {
            try await ServiceGroup(configuration: config).run()
        } catch {
            await httpClients.shutdown()
            throw OperationError(.failed, "steward serve stopped: \(error)")
        }
        // The scheduler has stopped: no check uses the clients any more.
        await httpClients.shutdown()
    }

    /// The watch over other hosts that `serve.fleet` asks for, or nil: the hosts resolved from the inventory (a bad
    /// selection or inventory stops the start, located), the ssh_config trusted like the manifest, the transport the
    /// fleet commands use.
    static func fleetWatch(_ spec: ServeSpec.Fleet, manifestPath: String?, host: HostContext, logger: Logger,
                           record: @escaping @Sendable ([CheckSample]) -> Void) throws(OperationError) -> FleetWatch? {
        guard let selection = spec.hosts else { return nil }
        let inventory = try ManifestSource.inventory(file: spec.inventory, manifest: manifestPath, host: host)
        let hosts: [FleetHost]
        do { hosts = try HostSelection.resolve(selection, in: inventory) } catch {
            throw OperationError(.invalidConfig, "serve.fleet.hosts: \(error)")
        }
        if let config = spec.sshConfig, case .failure(let failure) = TrustedConfigFile.read(config) {
            throw OperationError(.untrustedConfig, "serve.fleet.ssh_config: \(failure.description)", subject: config)
        }
        let binary: SelfBinary
        do { binary = try SelfBinary.current() } catch {
            throw OperationError(.unavailable, "serve.fleet: cannot read Steward's own executable to compare with the hosts' copies")
        }
        logger.info("fleet: watching \(hosts.map(\.name).joined(separator: ", ")) every \(spec.intervalMs / 1000) s")
        return FleetWatch(hosts: hosts, interval: .milliseconds(spec.intervalMs), transport: SSHAgentTransport(binary: binary, configFile: spec.sshConfig),
                          view: FleetView(hosts), logger: logger, record: record)
    }

    /// One run of one check, through the same runner as `steward check` (timeout, retries, scrubbing); its
    /// deadline is the check's interval.
    static func runOnce(_ spec: CheckSpec, _ probes: ProbeContext, _ httpClients: HTTPClients) async -> CheckResult {
        let report = await CheckRunner(context: probes, maxParallel: 1, deadline: .milliseconds(max(spec.intervalMs, spec.timeoutMs)),
                                       httpClients: httpClients).run([spec])
        return report.results.first ?? CheckResult(id: spec.id, kind: spec.kind.name, app: spec.app, instance: spec.instance,
                                                    status: .unknown, expected: spec.kind.name, found: "", message: "not run",
                                                    attempts: 0)
    }

    /// The last raw result of each check within the raw tier's 48 hours, so a restarted daemon answers at once.
    static func seed(_ live: LiveState, _ checks: [ScheduledCheck], _ history: HistoryAccess, logger: Logger) async {
        let now = Date()
        let keys = checks.map(\.key)
        do {
            let last = try await history.run { store in
                try keys.compactMap { key in
                    try store.series(check: key, from: now.addingTimeInterval(-48 * 3600), to: now.addingTimeInterval(1),
                                     resolution: .raw).last.map { (key, $0) }
                }
            }
            for (key, point) in last { live.seed(key: key, point) }
        } catch {
            logger.warning("history: cannot read the last results: \(error)")
        }
    }
}
