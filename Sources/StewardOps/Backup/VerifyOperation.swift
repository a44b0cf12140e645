import Foundation
import StewardCore
import StewardSystem

/// `steward backup verify`: proves backups by restoring them into a scratch target and comparing what came out with
/// what the catalog recorded at backup time. Which backups: one by id, or with `latest` the newest of each source
/// (of the target's, or of every app). Each result is recorded in the catalog; the run fails (exit 2) when any does.
public enum VerifyOperation: StewardOperation {
    public static let name = "backup.verify"

    public struct Request: Codable, Sendable {
        /// A backup id (`12` or `#12`); ignored with `latest`.
        public var id: String?
        /// The newest backup of each source instead of one id.
        public var latest: Bool
        /// With `latest`: `APP` or `APP@INSTANCE`; every app when nil.
        public var target: String?
        /// SQLite: `PRAGMA quick_check` instead of `integrity_check` (also when the app's manifest says so).
        public var quick: Bool
        public var manifest: String?
        public var store: String?

        public init(id: String? = nil, latest: Bool = false, target: String? = nil, quick: Bool = false, manifest: String? = nil, store: String? = nil) {
            self.id = id
            self.latest = latest
            self.target = target
            self.quick = quick
            self.manifest = manifest
            self.store = store
        }
    }

    public struct Result: Codable, Sendable, Equatable {
        public var id: Int64
        /// `APP@INSTANCE/SOURCE`.
        public var source: String
        public var passed: Bool
        public var durationMs: Int
        public var message: String
    }

    /// `steward.verify/1` (docs/json.md).
    public struct Output: OperationOutput {
        public var schema = "steward.verify/1"
        public var verifications: [Result]
        public var exitCode: Int32 { verifications.allSatisfy(\.passed) ? 0 : 2 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        var number: Int64?
        if !request.latest {
            guard let id = request.id else { throw OperationError(.invalidRequest, "give a backup id, or latest with an optional APP[@INSTANCE]") }
            guard let n = Int64(id.drop { $0 == "#" }) else { throw OperationError(.invalidRequest, "id: expected a backup id like 12, got \"\(id.prefix(30))\"") }
            number = n
        }
        let apps = try await AppsOnHost.load(manifest: request.manifest, store: request.store, host: host)
        let all: [BackupRecord]
        do { all = try apps.state.records() } catch {
            throw OperationError(.stateUnavailable, "cannot read the backup catalog in \(apps.state.path): \(error)", subject: apps.state.path)
        }
        let chosen = choose(all, id: number, target: request.latest ? TargetName(request.target) : nil)
        if chosen.isEmpty {
            throw request.latest
                ? OperationError(.notFound, "no backups to verify\(request.target.map { " for \($0)" } ?? "")", subject: request.target)
                : OperationError(.notFound, "no backup \(request.id ?? "")", subject: request.id)
        }
        var results: [Result] = []
        for record in chosen {
            // A verification restores into a scratch database or directory and records its result: a lease each.
            let result = try await host.leased("backup.verify", subject: "#\(record.id)", state: apps.state) { () async throws(OperationError) in
                let v = await apps.service.verify(record, source: apps.source(of: record), store: apps.store(record.app),
                                                  quick: request.quick || apps.spec(record.app).quickVerify, progress: host.backupProgress)
                return Result(id: record.id, source: record.label, passed: v.passed, durationMs: v.durationMs, message: v.message)
            }
            results.append(result)
            host.say(line(result))
        }
        return Output(verifications: results)
    }

    /// The backups to verify: the one numbered `id`, else the newest of each source that `target` names (the
    /// catalog lists newest first).
    static func choose(_ all: [BackupRecord], id: Int64?, target: TargetName?) -> [BackupRecord] {
        if let id { return all.first { $0.id == id }.map { [$0] } ?? [] }
        var seen = Set<String>()
        return all.filter { r in (target?.matches(app: r.app, instance: r.instance) ?? true) && seen.insert(r.label).inserted }
    }

    /// `✓ #12 marb@prod/db  verified in 1.2 s: restored into a scratch database; …`, one per backup as it is done.
    public static func line(_ r: Result) -> String {
        "\(r.passed ? "✓" : "✗") #\(r.id) \(r.source)  \(r.passed ? "verified" : "FAILED") in \(Format.seconds(milliseconds: r.durationMs)): \(r.message)"
    }
}
