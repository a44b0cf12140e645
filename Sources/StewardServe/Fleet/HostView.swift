import Foundation
import StewardCore
import StewardOps
import Synchronization

/// One watched host as the daemon last saw it: what its own checks said, or why it could not be asked.
public struct HostView: Sendable, Equatable, Codable {
    public struct Check: Sendable, Equatable, Codable {
        public var key: String
        public var status: CheckResult.Status
        public var severity: Severity
        /// Why it failed or is unknown (scrubbed on the host); empty when it passed.
        public var message: String
        public var latencyMs: Double
    }

    public var name: String
    public var destination: String
    /// `ok`, `warning`, `critical` (the worst failing check), or `unknown`: not reached, refused, or not polled yet.
    public var state: String
    public var reason: String?
    public var polledAt: Date?
    public var seconds: Double?
    public var checks: [Check]

    /// Not polled yet.
    public static func pending(_ host: FleetHost) -> HostView {
        HostView(name: host.name, destination: host.destination, state: "unknown", reason: "not polled yet", polledAt: nil, seconds: nil, checks: [])
    }

    /// What a poll's outcome says of the host: its checks when it answered with a check report, else unknown with
    /// the reason (the transport's, or the agent's refusal: a manifest with errors, no checks).
    public static func from(_ outcome: HostOutcome, at: Date) -> HostView {
        var view = HostView(name: outcome.host, destination: outcome.destination, state: "unknown", reason: nil, polledAt: at,
                            seconds: (outcome.seconds * 1000).rounded() / 1000, checks: [])
        switch outcome.state {
        case .unreachable(let reason):
            view.reason = reason
        case .answered(let session):
            switch session.ending {
            case .refused(let error):
                view.reason = error.message
            case .result(_, let json):
                guard let report = try? JSONDecoder.steward.decode(CheckReport.self, from: json) else {
                    view.reason = "a check report this Steward cannot read (the host runs another version)"
                    return view
                }
                view.checks = report.results.map {
                    Check(key: $0.id, status: $0.status, severity: $0.severity, message: $0.status == .pass ? "" : $0.message, latencyMs: $0.durationMs)
                }
                let failing = report.results.filter { $0.status == .fail }
                if failing.contains(where: { $0.severity == .critical }) { view.state = "critical" }
                else if !failing.isEmpty { view.state = "warning" }
                else if report.results.contains(where: { $0.status == .unknown }) || report.results.isEmpty {
                    view.state = "unknown"
                    view.reason = report.results.isEmpty ? "the host has no checks" : "a check could not be judged"
                } else { view.state = "ok" }
            }
        }
        return view
    }

    /// The history key of one of the host's checks: `fleet:HOST/CHECK`, apart from this host's own checks.
    public static func historyKey(host: String, check: String) -> String { "fleet:\(host)/\(check)" }
}

/// The hosts' latest views: written by ``FleetWatch`` after each round, read by the API and the dashboard.
public final class FleetView: Sendable {
    private let hosts: Mutex<[HostView]>

    public init(_ hosts: [FleetHost]) {
        self.hosts = Mutex(hosts.map(HostView.pending))
    }

    public func snapshot() -> [HostView] { hosts.withLock { $0 } }

    /// Replaces the views of the hosts in `views`, keeping the inventory's order.
    public func update(_ views: [HostView]) {
        hosts.withLock { current in
            for view in views {
                if let i = current.firstIndex(where: { $0.name == view.name }) { current[i] = view } else { current.append(view) }
            }
        }
    }
}
