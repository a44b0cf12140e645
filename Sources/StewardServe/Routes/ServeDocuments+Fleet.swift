import Foundation
import StewardCore

extension ServeDocuments {
    /// `steward.serve.hosts/1`: the other hosts `serve.fleet` watches, each as its last round saw it.
    struct Hosts: Encodable {
        var schema = "steward.serve.hosts/1"
        var generatedAt: Date
        var hosts: [Host]
        enum CodingKeys: String, CodingKey { case schema, hosts, generatedAt = "generated_at" }
    }

    struct Host: Encodable {
        var name: String
        var destination: String
        /// ok, warning, critical or unknown.
        var state: String
        var reason: String?
        var polledAt: Date?
        var seconds: Double?
        var checks: [HostCheck]
        enum CodingKeys: String, CodingKey {
            case name, destination, state, reason, seconds, checks, polledAt = "polled_at"
        }

        init(_ view: HostView) {
            name = view.name
            destination = view.destination
            state = view.state
            reason = view.reason
            polledAt = view.polledAt
            seconds = view.seconds
            checks = view.checks.map {
                HostCheck(id: $0.key, key: HostView.historyKey(host: view.name, check: $0.key), state: $0.status.rawValue,
                          severity: $0.severity.rawValue, message: $0.message.isEmpty ? nil : $0.message,
                          latencyMs: ($0.latencyMs * 1000).rounded() / 1000)
            }
        }
    }

    struct HostCheck: Encodable {
        /// The check's id on its host.
        var id: String
        /// Its key in this daemon's history (`fleet:HOST/ID`).
        var key: String
        var state: String
        var severity: String
        var message: String?
        var latencyMs: Double
        enum CodingKeys: String, CodingKey { case id, key, state, severity, message, latencyMs = "latency_ms" }
    }
}
