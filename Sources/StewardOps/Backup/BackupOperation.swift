import Foundation
import StewardCore
import StewardSystem

/// `steward backup [APP[@INSTANCE]]`: backs up each instance's sources (what the manifest declares, else the database
/// its env file names and a snapshot of its env and unit files), one instance at a time under its lock, and with
/// `verify` proves each new backup by restoring it into a scratch target. A source that fails does not stop the
/// others: each result says what happened, and the run fails (exit 2) when any did.
public enum BackupOperation: StewardOperation {
    public static let name = "backup"

    /// Why a backup is taken, recorded in the catalog (`safety` is the restore's own, never requested).
    public static let reasons = ["manual", "scheduled", "pre-deploy"]

    public struct Request: Codable, Sendable {
        /// `APP` or `APP@INSTANCE`; every app instance when nil.
        public var target: String?
        public var verify: Bool
        public var reason: String
        /// The manifest; nil: `./steward.yml`, then `/etc/steward/steward.yml`, else zero-config.
        public var manifest: String?
        /// The store instead of each app's `backup.store`.
        public var store: String?

        public init(target: String? = nil, verify: Bool = false, reason: String = "manual", manifest: String? = nil, store: String? = nil) {
            self.target = target
            self.verify = verify
            self.reason = reason
            self.manifest = manifest
            self.store = store
        }
    }

    /// One source's outcome: its new catalog record, or why there is none, and the verification when requested.
    public struct Result: Codable, Sendable {
        public var source: String
        public var backup: BackupRecord?
        public var error: String?
        public var verification: Verification?
    }

    /// The results in the order they were taken. Encoded as a bare array: the document `steward backup --format json`
    /// has always printed, which scripts read (docs/json.md).
    public struct Output: OperationOutput {
        public var results: [Result]

        public var exitCode: Int32 { results.contains { $0.error != nil || $0.verification?.passed == false } ? 2 : 0 }

        public init(results: [Result]) { self.results = results }
        public init(from decoder: any Decoder) throws { results = try decoder.singleValueContainer().decode([Result].self) }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(results)
        }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        guard reasons.contains(request.reason) else {
            throw OperationError(.invalidRequest, "reason: expected manual, scheduled or pre-deploy, got \"\(request.reason.prefix(30))\"")
        }
        let apps = try await AppsOnHost.load(manifest: request.manifest, store: request.store, host: host)
        var results: [Result] = []
        func add(_ result: Result) {
            results.append(result)
            host.say(line(result))
        }
        for instance in try apps.instances(TargetName(request.target)) {
            let sources = apps.sources(instance)
            if sources.isEmpty {
                let why = instance.kind == Inventory.composeKind
                    ? "nothing to back up: " + (apps.facts.composeProblem ?? "no container of the Compose project runs here (is Docker running?)")
                    : "nothing to back up: declare apps.\(instance.app).backup in the manifest (databases, directories)"
                add(Result(source: instance.label, error: why))
                continue
            }
            let lock: InstanceLock
            do { lock = try InstanceLock(stateDirectory: apps.service.stateDirectory, instance: instance.label, purpose: "steward backup") } catch {
                add(Result(source: instance.label, error: "\(error)"))
                continue
            }
            try await host.leased("backup", subject: instance.label, state: apps.state) { () async throws(OperationError) in
                for outcome in await apps.service.backup(sources, store: apps.store(instance.app), reason: request.reason, progress: host.backupProgress) {
                    var result = Result(source: outcome.source.label, backup: outcome.record, error: outcome.error)
                    if request.verify, let record = outcome.record {
                        result.verification = await apps.service.verify(record, source: outcome.source, store: apps.store(instance.app),
                                                                         quick: apps.spec(instance.app).quickVerify, progress: host.backupProgress)
                    }
                    add(result)
                }
            }
            withExtendedLifetime(lock) {}
        }
        return Output(results: results)
    }

    /// A result as the operator reads it, one log line per source as it is done:
    /// `✓ marb@prod/db  #12  4.1 MiB  1.2 s  sha256:1a2b3c4d5e6f  5 tables, 120 rows` and the file's path under it.
    public static func line(_ r: Result) -> String {
        guard let b = r.backup else { return "✗ \(r.source): \(r.error ?? "failed")" }
        var line = "✓ \(b.label)  #\(b.id)  \(Format.bytes(b.sizeBytes))  \(Format.seconds(milliseconds: b.durationMs))  sha256:\(b.sha256.prefix(12))  \(b.contents.summary)\n  \(b.path)"
        if let v = r.verification {
            line += "\n  \(v.passed ? "verified" : "VERIFICATION FAILED") in \(Format.seconds(milliseconds: v.durationMs)): \(v.message)"
        }
        return line
    }
}
