/// Renders a `steward check` run in the Prometheus text exposition format 0.0.4, for node_exporter's textfile
/// collector (`steward check --format prometheus > /var/lib/node_exporter/textfile/steward.prom`) or a
/// Pushgateway. Every metric is a gauge: a run is a snapshot, and counters that reset on every run are what
/// goss's users complained about (goss#867).
///
/// The scheme, per check (labels `id`, `kind`, and `app` / `app_instance` when the check belongs to one):
///
///     steward_check_success{id="service:marb@prod",kind="service",app="marb",app_instance="prod"} 1
///     steward_check_state{…} 0
///     steward_check_duration_seconds{…} 0.00125
///
/// - `steward_check_success`: 1 when the check passed, 0 when it failed or is unknown.
/// - `steward_check_state`: the check's outcome on the exit-code scale: 0 pass, 1 warning failure, 2 critical
///   failure, 3 unknown (the probe could not run). Alert on `steward_check_state == 2`, or `> 0` for anything.
/// - `steward_check_duration_seconds`: how long the check took, retries included.
///
/// and for the run:
///
/// - `steward_check_run_state`: `CheckReport.exitCode` (0, 1, 2 or 3; 3 also when the total deadline passed);
/// - `steward_check_run_duration_seconds`: how long the whole run took.
///
/// No timestamps (the textfile collector and the scrape supply them). The instance of an app is labelled
/// `app_instance`, not `instance`: Prometheus sets `instance` on every scraped series to the target, and would
/// rename ours `exported_instance`. Label values are escaped as the format requires (`\\`, `\"`, `\n`).
public enum CheckPrometheusRenderer {
    public static func render(_ report: CheckReport) -> String {
        var out: [String] = []
        func family(_ name: String, _ help: String, _ samples: [String]) {
            out.append("# HELP \(name) \(help)")
            out.append("# TYPE \(name) gauge")
            out += samples
        }
        let results = report.results
        family("steward_check_success", "Whether the check passed (1) or not (0: failed or unknown).",
               results.map { "steward_check_success\(labels($0)) \($0.status == .pass ? 1 : 0)" })
        family("steward_check_state", "Check outcome: 0 pass, 1 warning failure, 2 critical failure, 3 unknown.",
               results.map { "steward_check_state\(labels($0)) \(CheckRendering.state($0))" })
        family("steward_check_duration_seconds", "How long the check took, retries included, in seconds.",
               results.map { "steward_check_duration_seconds\(labels($0)) \(CheckRendering.seconds(ms: $0.durationMs))" })
        family("steward_check_run_state", "Outcome of the run, as its exit code: 0 all passed, 1 warning, 2 critical, 3 unknown.",
               ["steward_check_run_state \(report.exitCode)"])
        family("steward_check_run_duration_seconds", "How long the whole run took, in seconds.",
               ["steward_check_run_duration_seconds \(CheckRendering.seconds(ms: report.durationMs))"])
        return out.joined(separator: "\n") + "\n"
    }

    /// `{id="…",kind="…",app="…",app_instance="…"}`, app and app_instance only when set.
    static func labels(_ r: CheckResult) -> String {
        var pairs = [("id", r.id), ("kind", r.kind)]
        if let app = r.app { pairs.append(("app", app)) }
        if let instance = r.instance { pairs.append(("app_instance", instance)) }
        return "{" + pairs.map { "\($0.0)=\"\(escapeLabelValue($0.1))\"" }.joined(separator: ",") + "}"
    }

    /// A label value as the text format requires: backslash, double quote and line feed escaped.
    static func escapeLabelValue(_ s: String) -> String {
        var out = ""
        for u in s.unicodeScalars {
            switch u {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default: out.unicodeScalars.append(u)
            }
        }
        return out
    }
}
