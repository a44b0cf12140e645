import Foundation
import StewardCore

/// A rolling deploy: the hosts in batches of `batch`, each batch deployed at once (one agent session per host, the
/// host's own deploy with its health gate and automatic rollback) and the next started only when every host of the
/// batch succeeded, `pause` later. The first failure stops the rollout: the failed host has already put itself back
/// (its deploy's own rollback); with `allOrNothing` every host that had succeeded is rolled back too, newest first.
/// Every host's deploy carries the same operation id, which ties their records together.
public enum FleetRollout {
    /// What happened on one host.
    public enum Step: String, Sendable, Codable, Equatable {
        /// Deployed and kept.
        case deployed
        /// The deploy failed there (and put itself back, or changed nothing).
        case failed
        /// The deploy failed there and putting it back failed too, or its record says it is still running: the host
        /// needs the operator (`steward status` there).
        case needsAttention = "needs_attention"
        /// Deployed, then rolled back because a later host failed (`--all-or-nothing`).
        case rolledBack = "rolled_back"
        /// Deployed, and the rollback that `--all-or-nothing` asked for failed: needs the operator.
        case rollbackFailed = "rollback_failed"
        /// Never started: the rollout stopped before its batch.
        case notStarted = "not_started"
    }

    public struct HostResult: Sendable, Equatable {
        public var host: String
        public var batch: Int
        public var step: Step
        public var deploy: HostOutcome?
        public var rollback: HostOutcome?
    }

    /// What a host's deploy did, from its record rather than its exit code alone: a deploy that succeeded but could
    /// not write its record exits 1 and still serves the new release; one that exits 2 may have put itself back or
    /// failed to. A host not reached, or whose answer is not a deploy's, needs the operator.
    static func judge(_ outcome: HostOutcome) -> Step {
        guard case .answered(let session) = outcome.state else { return .needsAttention }
        switch session.ending {
        case .refused: return .failed
        case .result(_, let json):
            guard let output = try? JSONDecoder.steward.decode(DeployOperation.Output.self, from: json), let record = output.record else {
                // An answer without a record: 0 deployed, 1 failed before the switch; anything else is not known.
                return outcome.exitCode == 0 ? .deployed : outcome.exitCode == 1 ? .failed : .needsAttention
            }
            switch record.status {
            case .succeeded: return .deployed
            case .failed, .rolledBack, .aborted: return .failed
            case .rollbackFailed, .running: return .needsAttention
            }
        }
    }

    /// `hosts` cut into batches of `size` (at least 1), in the inventory's order.
    public static func batches(_ hosts: [FleetHost], size: Int) -> [[FleetHost]] {
        let size = max(size, 1)
        return stride(from: 0, to: hosts.count, by: size).map { Array(hosts[$0..<min($0 + size, hosts.count)]) }
    }

    public static func run(deploy: AgentProtocol.Envelope, rollback: AgentProtocol.Envelope, on hosts: [FleetHost], batch: Int,
                           pause: Duration, allOrNothing: Bool, transport: any AgentTransport,
                           progress: @escaping @Sendable (String) -> Void = { _ in }) async -> [HostResult] {
        var results: [HostResult] = []
        let cut = batches(hosts, size: batch)
        var failedAt: Int?
        for (index, group) in cut.enumerated() {
            if index > 0 && pause > .zero {
                progress("batch \(index + 1) of \(cut.count) in \(pause)")
                try? await Task.sleep(for: pause)
            }
            progress("batch \(index + 1) of \(cut.count): " + group.map(\.name).joined(separator: ", "))
            let outcomes = await FleetRun.run(deploy, on: group, parallel: group.count, transport: transport)
            let steps = outcomes.map(judge)
            for (o, step) in zip(outcomes, steps) {
                results.append(HostResult(host: o.host, batch: index + 1, step: step, deploy: o))
            }
            if steps.contains(where: { $0 != .deployed }) {
                failedAt = index
                break
            }
        }
        guard let failedAt else { return results }
        for (index, later) in cut.enumerated() where index > failedAt {
            results += later.map { HostResult(host: $0.name, batch: index + 1, step: .notStarted) }
        }
        guard allOrNothing else { return results }
        // Newest first: the hosts of the failed batch that succeeded, then the earlier batches backwards.
        let byName = Dictionary(uniqueKeysWithValues: hosts.map { ($0.name, $0) })
        for index in results.indices.reversed() where results[index].step == .deployed {
            guard let host = byName[results[index].host] else { continue }
            progress("rolling back \(host.name)")
            let undone = await FleetRun.run(rollback, on: [host], parallel: 1, transport: transport).first
            results[index].rollback = undone
            results[index].step = undone?.exitCode == 0 ? .rolledBack : .rollbackFailed
        }
        return results
    }

    /// The rollout's exit code: 0 when every host deployed; 2 when it stopped (a host failed and is back where it
    /// was); 3 when a host needs the operator (not reached, its own rollback failed, or ours did).
    public static func exitCode(_ results: [HostResult]) -> Int32 {
        if results.contains(where: { $0.step == .rollbackFailed || $0.step == .needsAttention }) { return 3 }
        return results.allSatisfy { $0.step == .deployed } ? 0 : 2
    }
}

/// A rollout rendered: one line per host (batch, what happened), each reached host's deploy as `steward deploy`
/// prints it, and a summary; or `steward.rollout/1`, keyed by host. Pure.
public struct FleetRolloutReport: Sendable {
    public var operationID: String
    public var results: [FleetRollout.HostResult]

    public init(operationID: String, results: [FleetRollout.HostResult]) {
        self.operationID = operationID
        self.results = results
    }

    public var exitCode: Int32 { FleetRollout.exitCode(results) }

    public func text(render: (Data) -> String?) -> String {
        var out = ""
        for r in results {
            for (what, outcome) in [("deploy", r.deploy), ("rollback", r.rollback)] {
                guard let outcome else { continue }
                out += "\(what) on \(r.host) (batch \(r.batch)):\n" + FleetReport(operation: what, outcomes: [outcome]).sections(render: render)
            }
        }
        out += "rollout \(operationID):\n"
        for r in results {
            out += "  \(r.host)  batch \(r.batch)  \(r.step.rawValue.replacingOccurrences(of: "_", with: " "))\n"
        }
        let stopped = results.first { $0.step == .failed || $0.step == .needsAttention }
        let last: String = switch exitCode {
        case 0: "every host deployed; exit 0\n"
        case 2: "stopped at \(stopped?.host ?? "a host"); exit 2\n"
        default: "needs attention: a host was not reached or could not be put back; exit 3\n"
        }
        return out + last
    }

    public var document: JSONTree {
        var hosts: [String: JSONTree] = [:]
        for r in results {
            var entry: [String: JSONTree] = ["batch": .integer(Int64(r.batch)), "step": .string(r.step.rawValue)]
            if let d = r.deploy, case .object(let all) = FleetReport(operation: "deploy", outcomes: [d]).document,
               case .object(let byHost)? = all["hosts"] { entry["deploy"] = byHost[d.host] }
            if let b = r.rollback, case .object(let all) = FleetReport(operation: "rollback", outcomes: [b]).document,
               case .object(let byHost)? = all["hosts"] { entry["rollback"] = byHost[b.host] }
            hosts[r.host] = .object(entry)
        }
        return .object(["schema": .string("steward.rollout/1"), "operation_id": .string(operationID),
                        "exit_code": .integer(Int64(exitCode)), "hosts": .object(hosts)])
    }
}
