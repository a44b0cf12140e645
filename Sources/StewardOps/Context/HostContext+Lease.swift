import Foundation
import StewardSystem

extension HostContext {
    /// Runs an operation that changes the host (a backup, a verification, a restore, a prune, a schedule) under a
    /// lease row in the state database, renewed while `body` runs and finished with `succeeded` or `failed` once it
    /// returns. A process killed meanwhile leaves it unfinished, and it reads as interrupted once it lapses (at once
    /// on this host, where the holder's pid is seen gone). One operation may touch several instances (a backup of
    /// every app): each gets its own row, `OPERATION-ID/KIND/SUBJECT`. Deploys take theirs in the engine, since the
    /// lease decides there whether an earlier deploy was interrupted.
    public func leased<T: Sendable>(_ kind: String, subject: String, state: StateStore,
                                    _ body: () async throws(OperationError) -> T) async throws(OperationError) -> T {
        var holder = identity.holder
        holder.operationID = Self.leaseID(operation: identity.operationID, kind: kind, subject: subject)
        let lease: OperationLease
        do { lease = try OperationLease(state: state, kind: kind, subject: subject, holder: holder, clock: wallClock) } catch {
            throw OperationError(.stateUnavailable, "cannot record the operation in \(statePath): \(error)", subject: statePath)
        }
        let result: Result<T, OperationError>
        do {
            result = .success(try await lease.renewed { () async throws -> T in try await body() })
        } catch let error as OperationError {
            result = .failure(error)
        } catch {
            result = .failure(OperationError(.failed, "\(error)"))
        }
        do { try lease.finish(result.isSuccess ? "succeeded" : "failed") } catch {
            warn("the operation's end could not be recorded in \(statePath): \(error)")
        }
        return try result.get()
    }

    /// The lease row of `kind` on `subject` within an operation.
    public static func leaseID(operation: String, kind: String, subject: String) -> String {
        "\(operation)/\(kind)/\(subject)"
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
