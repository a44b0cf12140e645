import Foundation
import Logging
import ServiceLifecycle
import StewardCore
import StewardOps

/// Watches other hosts (`serve.fleet`): every interval, their own checks through one `steward agent` session each
/// over SSH (``FleetRun``, the fleet commands' transport: strict host keys, Steward copied when it differs), the
/// results into the history under `fleet:HOST/CHECK` and the hosts' views into ``FleetView``. A host that cannot be
/// reached is `unknown` with the reason; the others are not held up by it.
///
/// Why poll agents rather than aggregate other daemons' APIs: the hosts need no daemon, no open port and no token of
/// their own (only the sshd they have), their secrets and facts stay there (only check results cross), and the code
/// path is the one `steward check --hosts` runs, tested against real sshd.
public struct FleetWatch: Service {
    let hosts: [FleetHost]
    let interval: Duration
    let transport: any AgentTransport
    public let view: FleetView
    let record: @Sendable ([CheckSample]) -> Void
    let logger: Logger
    /// Every check of the host's own manifest, as `steward check` runs them there.
    static let checkRequest: JSONTree = {
        let encoded = (try? JSONEncoder.stewardLine.encode(CheckOperation.Request())) ?? Data("{}".utf8)
        return (try? JSONDecoder.steward.decode(JSONTree.self, from: encoded)) ?? .object([:])
    }()

    /// One host's session may take this long (a check run has its own deadline on the host).
    static let sessionTimeout: Duration = .seconds(120)

    public init(hosts: [FleetHost], interval: Duration, transport: any AgentTransport, view: FleetView,
                logger: Logger, record: @escaping @Sendable ([CheckSample]) -> Void) {
        self.hosts = hosts
        self.interval = interval
        self.transport = transport
        self.view = view
        self.record = record
        self.logger = logger
    }

    public func run() async throws {
        await cancelWhenGracefulShutdown {
            var delay: Duration = .seconds(5)
            while !Task.isCancelled {
                do { try await Task.sleep(for: delay) } catch { return }
                let started = ContinuousClock.now
                await once(now: Date())
                // Rounds start `interval` apart; one that ran long is followed at once, never twice at the same time.
                delay = max(.zero, interval - (ContinuousClock.now - started))
            }
        }
    }

    /// One round over every host; the views it produced.
    @discardableResult
    func once(now: Date) async -> [HostView] {
        // The hosts' own manifests (the path the daemon was given is this host's; theirs is their default).
        let envelope = AgentProtocol.Envelope(operation: CheckOperation.name, request: Self.checkRequest, operatorName: "serve")
        let outcomes = await FleetRun.run(envelope, on: hosts, timeout: Self.sessionTimeout, transport: transport)
        let views = outcomes.map { HostView.from($0, at: now) }
        view.update(views)
        record(views.flatMap { host in
            host.checks.map { CheckSample(check: HostView.historyKey(host: host.name, check: $0.key), at: now, status: $0.status, latencyMs: $0.latencyMs) }
        })
        logger.info("fleet: \(views.map { "\($0.name) \($0.state)" }.joined(separator: ", "))")
        for v in views where v.reason != nil && v.state == "unknown" { logger.warning("fleet: \(v.name): \(v.reason ?? "")") }
        return views
    }
}
