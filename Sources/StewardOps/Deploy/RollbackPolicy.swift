import Foundation
import StewardCore
import StewardSystem

/// Which release a rollback goes back to, and what it does with the database: pure, from the instance's history,
/// what serves now and the schema now, so every front end decides the same way (and a unit test covers it all).
/// The rollback operation calls it under the instance's lock (``DeployEngine/rollback(choosing:)``).
public enum RollbackPolicy {
    /// - Parameters:
    ///   - history: the instance's deploys, newest first.
    ///   - to: a ref or a commit prefix (7 characters at least) deployed successfully before; nil: the newest good
    ///     release that is not what serves now.
    ///   - database: `restore` or `keep` as asked; nil: keep, unless the schema changed since, which must be chosen.
    public static func decide(label: String, history: [DeployRecord], servingCommit: String?, schemaNow: String?,
                              to: String?, database: RollbackDatabase?) throws(OperationError) -> RollbackChoice {
        let good = history.filter { $0.status == .succeeded }
        let found: DeployRecord?
        if let to {
            found = good.first { $0.ref == to || (to.count >= 7 && $0.commit.hasPrefix(to)) }
            if found == nil { throw OperationError(.notFound, "\(to) was never deployed successfully to \(label); see steward releases \(label)", subject: label) }
        } else {
            found = good.first { $0.commit != servingCommit }
            if found == nil { throw OperationError(.notFound, "no earlier good release of \(label) to go back to; see steward releases \(label)", subject: label) }
        }
        let back = found!
        if back.commit == servingCommit { throw OperationError(.refused, "\(label) already runs \(back.ref) (\(back.shortCommit))", subject: label) }
        // The backup taken before the first deploy after that release that migrated the database.
        let later = history.filter { $0.id > back.id && !$0.backupIDs.isEmpty && $0.kind != .rollback }.min { $0.id < $1.id }
        if let then = back.schema, let now = schemaNow, then != now, database == nil {
            var text = "the database schema changed since \(back.ref) (then \(then), now \(now)). Choose:\n"
            if let later {
                text += "  --restore-db  restore backup #\(later.backupIDs.map(String.init).joined(separator: ", #")), taken before deploy #\(later.id) of \(later.ref) on \(Timestamp.iso(later.startedAt)); data written since then is lost\n"
            } else {
                text += "  --restore-db  (not possible: no backup taken before a later deploy is recorded)\n"
            }
            text += "  --keep-db     keep the database as it is; \(back.ref)'s code must then work with the newer schema"
            throw OperationError(.refused, text, subject: label)
        }
        // A restore needs a backup to restore, whether or not the schema changed.
        if database == .restore && later == nil {
            throw OperationError(.notFound, "no pre-deploy backup recorded after \(back.ref) to restore", subject: label)
        }
        return RollbackChoice(release: back, database: database ?? .keep, backupIDs: database == .restore ? later?.backupIDs ?? [] : [])
    }
}
