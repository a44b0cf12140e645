import Foundation
import StewardCore

/// The JSON documents the API answers; each names its schema, versioned like the CLI's (`steward.status/1`).
/// Keys are snake_case; times ISO 8601 in UTC. No secret reaches them: check messages are scrubbed by the runner.
enum ServeDocuments {
    struct Health: Encodable {
        var status: String
        var uptimeS: Int
        enum CodingKeys: String, CodingKey { case status, uptimeS = "uptime_s" }
    }

    /// `steward.serve.status/1`.
    struct Status: Encodable {
        var schema = "steward.serve.status/1"
        var generatedAt: Date
        var uptimeS: Int
        var summary: [String: Int]
        var openFindings: Int?
        var checks: [Check]
        /// Every app instance of the manifest: version, last deploy, last backup, findings, checks.
        var instances: [InstanceOverview]
        enum CodingKeys: String, CodingKey {
            case schema, summary, checks, instances
            case generatedAt = "generated_at", uptimeS = "uptime_s", openFindings = "open_findings"
        }
    }

    struct Check: Encodable {
        var key: String
        var id: String
        var kind: String
        var app: String?
        var instance: String?
        var intervalS: Double
        /// pass, fail, unknown, or pending (not run yet).
        var state: String
        var latencyMs: Double?
        var lastRun: Date?
        var message: String?
        enum CodingKeys: String, CodingKey {
            case key, id, kind, app, instance, state, message
            case intervalS = "interval_s", latencyMs = "latency_ms", lastRun = "last_run"
        }

        init(_ entry: LiveState.Entry) {
            let spec = entry.check.spec
            key = entry.check.key
            id = spec.id
            kind = spec.kind.name
            app = spec.app
            instance = spec.instance
            intervalS = Double(spec.intervalMs) / 1000
            state = entry.status?.rawValue ?? "pending"
            latencyMs = entry.latencyMs.map { ($0 * 1000).rounded() / 1000 }
            lastRun = entry.at
            message = entry.message
        }
    }

    /// `steward.serve.history/1`.
    struct History: Encodable {
        var schema = "steward.serve.history/1"
        var key: String
        var id: String
        var from: Date
        var to: Date
        var step: String
        var points: [Point]
    }

    struct Point: Encodable {
        var t: Date
        var runs: Int
        var failures: Int
        var unknowns: Int
        var minMs: Double
        var avgMs: Double
        var maxMs: Double
        enum CodingKeys: String, CodingKey {
            case t, runs, failures, unknowns
            case minMs = "min_ms", avgMs = "avg_ms", maxMs = "max_ms"
        }

        init(_ p: HistoryPoint) {
            t = p.start
            runs = p.stats.runs
            failures = p.stats.failures
            unknowns = p.stats.unknowns
            minMs = p.stats.minMs
            avgMs = (p.stats.avgMs * 1000).rounded() / 1000
            maxMs = p.stats.maxMs
        }
    }
}
