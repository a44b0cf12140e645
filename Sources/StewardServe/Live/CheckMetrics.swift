import Prometheus
import StewardCore
import Synchronization

/// `/metrics`: per check `steward_check_up` (1 pass, 0 fail or unknown) and `steward_check_latency_seconds`, both
/// labelled `id` and `kind`. Every series carries the same labels: swift-prometheus traps on a name used both with
/// and without labels, so the descriptors are fixed here.
public final class CheckMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let gauges = Mutex<[String: (up: Gauge, latency: Gauge)]>([:])

    static var up: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "steward", subsystem: "check", metricName: "up", unitName: "",
                             helpText: "Whether the check's last run passed (1) or not (0).")
    }
    static var latency: MetricNameDescriptor {
        MetricNameDescriptor(namespace: "steward", subsystem: "check", metricName: "latency", unitName: "seconds",
                             helpText: "How long the check's last run took.")
    }

    public init() {}

    public func update(_ spec: CheckSpec, status: CheckResult.Status, latencyMs: Double) {
        let pair = gauges.withLock { all in
            if let pair = all[spec.id] { return pair }
            let labels = [("id", spec.id), ("kind", spec.kind.name)]
            let pair = (registry.makeGauge(descriptor: Self.up, labels: labels), registry.makeGauge(descriptor: Self.latency, labels: labels))
            all[spec.id] = pair
            return pair
        }
        pair.up.set(Double(status == .pass ? 1 : 0))
        pair.latency.set(Double(latencyMs / 1000))
    }

    public func text() -> String { registry.emitToString() }
}
