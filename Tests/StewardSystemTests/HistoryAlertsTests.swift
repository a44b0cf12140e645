import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// Alerts, silences and deliveries in a real history database: the machine's state comes back whole after a
/// restart, one open alert per rule and subject, silences cover what they name for as long as they run, and age
/// removes what is old and only that.
@Suite struct HistoryAlertsTests {
    static let t0 = Date(timeIntervalSince1970: 1_764_633_600)

    static let deploy = AlertMessage.Deploy(id: 12, ref: "v1.4.2", operatorName: "api:ci", startedAt: t0.addingTimeInterval(-180),
                                            rollback: "steward rollback marb@prod")

    static func firing(_ summary: String = "answered 503") -> AlertState {
        var state = AlertState()
        state.phase = .firing
        state.since = t0 - 90
        state.firedAt = t0
        state.badRuns = 3
        state.notified = ["ops", "chat"]
        state.severity = .critical
        state.summary = summary
        return state
    }

    @Test func anAlertsStateComesBackWholeAndOneIsOpenPerRuleAndSubject() throws {
        let tree = try TempTree()
        let path = tree.root + "/history.db"
        var store: HistoryStore? = try HistoryStore(path: path)
        let alert = AlertRecord(rule: "checks", subject: "marb@prod/api health", kind: "check", app: "marb", instance: "prod",
                                state: Self.firing(), deploy: Self.deploy)
        // A row left open (its resolving write failed) is closed by the next alert of its rule and subject, never
        // collided with: one open alert per pair.
        let stale = try store!.saveAlert(alert)
        #expect(try store!.openAlerts().map(\.id) == [stale])
        let id = try store!.saveAlert(alert)
        #expect(try store!.openAlerts().map(\.id) == [id])
        #expect(try store!.alert(id: stale)?.state.phase == .resolved)
        store = nil
        let reopened = try HistoryStore(path: path)
        var loaded = try #require(try reopened.openAlerts().first)
        #expect(loaded.id == id && loaded.state == Self.firing() && loaded.deploy == Self.deploy && loaded.app == "marb")
        loaded.state.phase = .resolved
        loaded.state.resolvedAt = Self.t0 + 600
        try reopened.saveAlert(loaded)
        #expect(try reopened.openAlerts().isEmpty)
        let next = try reopened.saveAlert(AlertRecord(rule: "checks", subject: "marb@prod/api health", kind: "check", app: "marb",
                                                      instance: "prod", state: Self.firing("timed out")))
        #expect(next != id, "a new stretch is a new alert")
        #expect(try reopened.recentAlerts().map(\.id) == [next, id, stale])
        #expect(try reopened.alert(id: id)?.state.phase == .resolved)
    }

    @Test func silencesCoverWhatTheyNameWhileTheyRun() throws {
        let tree = try TempTree()
        let store = try HistoryStore(path: tree.root + "/history.db")
        let instance = SilenceRecord(app: "marb", instance: "prod", subject: nil, startsAt: Self.t0, endsAt: Self.t0 + 3600,
                                     reason: "disk swap", createdBy: "api:alice")
        let one = SilenceRecord(app: nil, instance: nil, subject: "host/disk /", startsAt: Self.t0, endsAt: Self.t0 + 60, reason: "r", createdBy: "root")
        #expect(instance.covers(app: "marb", instance: "prod", subject: "marb@prod/api health", at: Self.t0 + 10))
        #expect(!instance.covers(app: "marb", instance: "test", subject: "marb@test/api health", at: Self.t0 + 10))
        #expect(!instance.covers(app: "marb", instance: "prod", subject: "marb@prod/api health", at: Self.t0 + 3600), "ended")
        #expect(!instance.covers(app: "marb", instance: "prod", subject: "marb@prod/api health", at: Self.t0 - 1), "not begun")
        #expect(one.covers(app: nil, instance: nil, subject: "host/disk /", at: Self.t0) && !one.covers(app: nil, instance: nil, subject: "host/x", at: Self.t0))
        let id = try store.addSilence(instance)
        try store.addSilence(one)
        #expect(try store.silences(notEndedAt: Self.t0 + 120).map(\.reason) == ["disk swap"])
        #expect(try store.endSilence(id: id, at: Self.t0 + 300))
        #expect(try !store.endSilence(id: id, at: Self.t0 + 400), "already ended")
        #expect(try store.silences(notEndedAt: Self.t0 + 301).isEmpty)
    }

    @Test func deliveriesAreKeptPerAlertAndAgeRemovesOnlyWhatIsOld() throws {
        let tree = try TempTree()
        let store = try HistoryStore(path: tree.root + "/history.db")
        var old = Self.firing()
        old.phase = .resolved
        old.resolvedAt = Self.t0
        let oldID = try store.saveAlert(AlertRecord(rule: "checks", subject: "a", kind: "check", app: nil, instance: nil, state: old))
        let openID = try store.saveAlert(AlertRecord(rule: "checks", subject: "b", kind: "check", app: nil, instance: nil, state: Self.firing()))
        try store.recordDelivery(alertID: oldID, channel: "ops", notice: "firing", at: Self.t0 - 60, ok: true, detail: "200")
        try store.recordDelivery(alertID: openID, channel: "ops", notice: "firing", at: Self.t0, ok: false, detail: "refused: hooks.lan resolves to 10.0.0.5 (private)")
        #expect(try store.deliveries(alertID: openID).map(\.ok) == [false])
        #expect(try store.pruneAlerts(now: Self.t0 + 89 * 86_400) == 0)
        #expect(try store.pruneAlerts(now: Self.t0 + 91 * 86_400) == 2, "deliveries after 90 days")
        #expect(try store.alert(id: oldID) != nil, "a resolved alert is kept 400 days")
        #expect(try store.pruneAlerts(now: Self.t0 + 401 * 86_400) == 1)
        #expect(try store.alert(id: oldID) == nil && store.alert(id: openID) != nil, "an open alert is never aged out")
    }
}
