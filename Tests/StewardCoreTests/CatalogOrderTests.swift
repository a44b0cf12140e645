import Foundation
import Testing
@testable import StewardCore

/// Retention, staleness and "newest" follow the catalog's order (the row id), not the wall clock alone: a host whose
/// clock was set a year ahead, then corrected, must not have prune delete the backups taken after the correction.
@Suite struct CatalogOrderTests {
    static let day: TimeInterval = 86_400
    static let now = BackupCoreTests.now

    /// Ids 1…5 taken daily while the clock said 2027 (a year ahead); ids 6…8 daily after it was corrected.
    static func skewed() -> [BackupRecord] {
        let future = (1...5).map { i in at(Int64(i), now.addingTimeInterval(365 * day - Double(8 - i) * day)) }
        let corrected = (6...8).map { i in at(Int64(i), now.addingTimeInterval(-Double(8 - i) * day)) }
        return future + corrected
    }

    static func at(_ id: Int64, _ date: Date) -> BackupRecord {
        BackupRecord(id: id, app: "racklab", instance: "prod", source: "db", kind: .sqlite, path: "/b/\(id)",
                     createdAt: date, sizeBytes: 10, sha256: "ab", durationMs: 5, contents: BackupContents(tables: ["t": 1]))
    }

    @Test func pruneAfterAClockCorrectionKeepsTheBackupsTakenSince() {
        let plan = RetentionPlan.make(Self.skewed(), retention: Retention(last: 3, daily: 3, weekly: 0), timeZone: TimeZone(identifier: "UTC")!)
        let kept = Set(plan.kept.map(\.id))
        // The three taken after the correction are the newest: the last 3, one per day, and "newest" is #8.
        #expect(kept.isSuperset(of: [6, 7, 8]), "kept \(kept.sorted())")
        #expect(plan.decisions.first { $0.record.id == 8 }!.reasons.contains("newest"))
        #expect(plan.decisions.first { $0.record.id == 6 }!.reasons.contains("last 3"))
        // The future-stamped ones hold no "future" day: they count for the day of the backup recorded after them.
        #expect(Set(plan.deleted.map(\.id)) == [1, 2, 3, 4, 5], "deleted \(plan.deleted.map(\.id))")
        #expect(plan.decisions.map(\.record.id) == [8, 7, 6, 5, 4, 3, 2, 1], "newest first in catalog order")
    }

    @Test func effectiveDatesNeverRunAheadOfALaterBackup() {
        let dates = RetentionPlan.effectiveDates(RetentionPlan.newestFirst(Self.skewed()))
        for id in 1...5 { #expect(dates[Int64(id)]! <= dates[6]!) }
        #expect(dates[8] == Self.skewed()[7].createdAt)
    }

    @Test func newestAndStalenessFollowTheCatalogOrder() {
        // The newest by id is #8, taken 0 days ago after the correction; by the wall clock #5 (a year ahead) would be.
        let catalog = BackupCatalogFacts(database: "/var/lib/steward/state.db", observedAt: Self.now, records: Self.skewed().shuffled())
        let source = BackupSource(app: "racklab", instance: "prod", name: "db", kind: .sqlite, path: "/srv/racklab/prod/racklab.db")
        #expect(catalog.records(of: source).first?.id == 8)
        #expect(catalog.records(of: source).map(\.id) == [8, 7, 6, 5, 4, 3, 2, 1])
        // Backups stopped after #6 two days ago while the future-stamped ones look "fresh": stale all the same.
        let stopped = BackupCatalogFacts(database: "/x", observedAt: Self.now, records: Array(Self.skewed().prefix(6)))
        let newest = stopped.records(of: source).first!
        #expect(newest.id == 6 && Self.now.timeIntervalSince(newest.createdAt) == 2 * Self.day)
        // The rule says so (max age 24 h): with the wall clock's order, #5 (a year "ahead") would look fresh.
        let records = Array(Self.skewed().prefix(6)).map { r -> BackupRecord in
            var v = r
            v.lastVerification = Verification(at: Self.now, passed: true, durationMs: 1, message: "ok")
            v.lastVerifiedAt = Self.now
            return v
        }
        #expect(BackupRuleTests.findings(BackupRuleTests.facts(records: records)) == ["backup.stale racklab@prod/db warning"])
    }
}
