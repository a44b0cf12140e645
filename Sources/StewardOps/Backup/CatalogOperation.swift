import Foundation
import StewardCore
import StewardSystem

/// `steward backups`: the backup catalog, newest first, read-only (a missing state database is an empty catalog,
/// not one created by listing it).
public enum CatalogOperation: StewardOperation {
    public static let name = "backup.list"

    public struct Request: Codable, Sendable {
        /// `APP` or `APP@INSTANCE`; every app when nil.
        public var target: String?
        public init(target: String? = nil) { self.target = target }
    }

    /// The catalog's records. Encoded as a bare array: the document `steward backups --format json` has always
    /// printed, which scripts read (docs/json.md).
    public struct Output: OperationOutput {
        public var records: [BackupRecord]
        public var exitCode: Int32 { 0 }

        public init(records: [BackupRecord]) { self.records = records }
        public init(from decoder: any Decoder) throws { records = try decoder.singleValueContainer().decode([BackupRecord].self) }
        public func encode(to encoder: any Encoder) throws {
            var c = encoder.singleValueContainer()
            try c.encode(records)
        }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        let target = TargetName(request.target)
        do {
            return Output(records: try StateStore.openReadOnly(path: host.statePath)?.records(app: target?.app, instance: target?.instance) ?? [])
        } catch {
            throw OperationError(.stateUnavailable, "cannot read the state database \(host.statePath): \(error)", subject: host.statePath)
        }
    }
}
