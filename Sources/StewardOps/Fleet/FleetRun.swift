import Foundation
import StewardCore

/// One operation on many hosts: each host readied (``AgentTransport/prepare(_:)``) and asked through one agent
/// session (``AgentTransport/session(_:request:timeout:)``), at most `parallel` hosts at once, the answers in the inventory's order. A host that cannot be reached
/// or answers nonsense is ``HostOutcome/State/unreachable(_:)`` with the reason; the others are not held up by it.
public enum FleetRun {
    /// Hosts at once when `--parallel-hosts` is not given: SSH and the agents' work are mostly waiting, and a 2-core
    /// controller starts 8 `ssh` processes without strain.
    public static let defaultParallel = 8
    /// How long one host's session may take: a deploy with its backup, migrations and health gate, or a large backup,
    /// runs for many minutes; a host that dies meanwhile is noticed by ssh's keepalives (15 s × 3), not by this.
    public static let defaultTimeout: Duration = .seconds(4 * 3600)

    public static func run(_ envelope: AgentProtocol.Envelope, on hosts: [FleetHost], parallel: Int = defaultParallel,
                           timeout: Duration = defaultTimeout, transport: any AgentTransport,
                           progress: @escaping @Sendable (HostOutcome) -> Void = { _ in }) async -> [HostOutcome] {
        let request = (try? JSONEncoder.stewardLine.encode(envelope)) ?? Data("{}".utf8)
        var outcomes = [HostOutcome?](repeating: nil, count: hosts.count)
        await withTaskGroup(of: (Int, HostOutcome).self) { group in
            var next = 0
            func start() {
                let index = next, host = hosts[index]
                next += 1
                group.addTask { (index, await ask(host, request: request, timeout: timeout, transport: transport)) }
            }
            while next < min(max(parallel, 1), hosts.count) { start() }
            for await (index, outcome) in group {
                outcomes[index] = outcome
                progress(outcome)
                if next < hosts.count { start() }
            }
        }
        return outcomes.compactMap { $0 }
    }

    static func ask(_ host: FleetHost, request: Data, timeout: Duration, transport: any AgentTransport) async -> HostOutcome {
        let started = ContinuousClock.now
        func outcome(_ state: HostOutcome.State, _ preparation: HostPreparation? = nil) -> HostOutcome {
            let d = ContinuousClock.now - started
            return HostOutcome(host: host.name, destination: host.destination, state: state, preparation: preparation,
                               seconds: Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18)
        }
        let (preparation, answer) = await transport.session(host, request: request, timeout: timeout)
        switch answer {
        case .failure(let problem): return outcome(.unreachable(problem.reason), preparation)
        case .success(let stdout):
            switch AgentSession.parse(stdout) {
            case .success(let session): return outcome(.answered(session), preparation)
            case .failure(let error): return outcome(.unreachable(error.message), preparation)
            }
        }
    }
}

/// One host's part of a fleet run.
public struct HostOutcome: Sendable, Equatable {
    public enum State: Sendable, Equatable {
        case answered(AgentSession)
        case unreachable(String)
    }

    public var host: String
    public var destination: String
    public var state: State
    /// Whether Steward's binary was there or copied; nil when the host was not reached.
    public var preparation: HostPreparation?
    public var seconds: Double

    /// The operation's exit code on the host; 3 (could not judge) for a refusal without its own or an unreachable host.
    public var exitCode: Int32 {
        switch state {
        case .answered(let session):
            switch session.ending {
            case .result(let code, _): return code
            case .refused(let error): return error.exitCode
            }
        case .unreachable: return 3
        }
    }

    /// The worst exit code of a run: what the fleet command exits with (0 when there were no hosts).
    public static func worst(_ outcomes: [HostOutcome]) -> Int32 {
        outcomes.map(\.exitCode).max() ?? 0
    }
}
