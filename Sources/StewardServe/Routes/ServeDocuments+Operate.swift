import Foundation
import StewardCore
import StewardOps
import StewardSystem

/// The documents of the operate routes: `steward.serve.check-run/1`, `steward.serve.accepted/1`,
/// `steward.serve.operation/1`. An operation's result is the registry's document, secrets already masked.
extension ServeDocuments {
    struct CheckRun: Encodable {
        var schema = "steward.serve.check-run/1"
        var generatedAt: Date
        var checks: [Check]
        enum CodingKeys: String, CodingKey { case schema, checks, generatedAt = "generated_at" }
    }

    struct Links: Encodable {
        var selfLink: String
        var events: String
        init(id: String) {
            selfLink = "/api/v1/operations/\(id)"
            events = "/api/v1/operations/\(id)/events"
        }
        enum CodingKeys: String, CodingKey { case events, selfLink = "self" }
    }

    struct Accepted: Encodable {
        var schema = "steward.serve.accepted/1"
        var operationID: String
        var state = "running"
        var links: Links
        enum CodingKeys: String, CodingKey { case schema, state, links, operationID = "operation_id" }
    }

    struct Operation: Encodable {
        var schema = "steward.serve.operation/1"
        var id: String
        var name: String
        var target: String?
        var identity: String
        var requestID: String
        var startedAt: Date
        var finishedAt: Date?
        /// running, succeeded (exit 0), failed (another exit code), interrupted (the daemon stopped under it).
        var state: String
        var exitCode: Int?
        var result: JSONTree?
        var events: [OperationEvent]
        enum CodingKeys: String, CodingKey {
            case schema, id, name, target, identity, state, result, events
            case requestID = "request_id", startedAt = "started_at", finishedAt = "finished_at", exitCode = "exit_code"
        }

        init(_ view: ServeOperations.View) {
            let r = view.record
            id = r.id
            name = r.name
            target = r.target
            identity = r.identity
            requestID = r.requestID
            startedAt = r.startedAt
            finishedAt = r.finishedAt
            exitCode = r.exitCode
            state = view.running ? "running" : r.finishedAt == nil ? "interrupted" : r.exitCode == 0 ? "succeeded" : "failed"
            result = r.result.flatMap { try? JSONDecoder.steward.decode(JSONTree.self, from: $0) }
            events = view.events
        }
    }
}

extension ServeDocuments.Check {
    /// A check as a run asked for through the API left it.
    init(check: ScheduledCheck, result: CheckResult, at: Date) {
        var entry = LiveState.Entry(check: check)
        entry.status = result.status
        entry.latencyMs = result.durationMs
        entry.at = at
        entry.message = result.message
        self.init(entry)
    }
}
