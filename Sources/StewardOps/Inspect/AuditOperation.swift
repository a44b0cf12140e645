import Foundation
import StewardCore
import StewardSystem

/// `steward audit`: gathers the host's facts with the probes and applies every rule. Zero-config without a
/// manifest. The report is the result (schema version 1, documented in docs/json.md); renderers are the front end's.
public enum AuditOperation: StewardOperation {
    public static let name = "audit"

    public struct Request: Codable, Sendable {
        /// The manifest; nil: `./steward.yml`, then `/etc/steward/steward.yml`, else zero-config.
        public var manifest: String?
        /// How far back to read logs, e.g. `6h` (default: the manifest's `journal_window`, or 24 h).
        public var since: String?
        /// The state database for the backup rules, read under the host's file root; nil leaves them silent.
        public var state: String?
        /// The findings and the probes alone, without the facts and the inventory (what `steward serve` records):
        /// a report a fraction of the size to encode, send and decode. Known secrets are masked in the findings first.
        public var brief: Bool?

        public init(manifest: String? = nil, since: String? = nil, state: String? = nil, brief: Bool? = nil) {
            self.manifest = manifest
            self.since = since
            self.state = state
            self.brief = brief
        }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> AuditReport {
        var hours: Int?
        if let since = request.since {
            guard let parsed = TimeWindow.parseHours(since) else {
                throw OperationError(.invalidRequest, "since: expected a duration like 30m, 6h, 24h or 7d, got \"\(since.prefix(20))\"")
            }
            hours = parsed
        }
        let manifest = try ManifestSource.load(explicit: request.manifest, host: host).manifest
        let audit = Audit(context: host.probeContext(windowHours: hours ?? manifest.journalWindowHours), manifest: manifest, statePath: request.state)
        var report = await audit.run()
        if request.brief == true { report = report.brief }
        return report
    }
}

extension AuditReport: OperationOutput {
    public var knownSecrets: [String] { Redactor.knownSecrets(in: facts) }
}
