import Foundation
import Testing
@testable import StewardCore

/// The ledger: which rules an observation reaches, pending streaks kept in memory and dropped on a good run, an
/// alert carried over a restart, findings that are gone resolving their alerts, acknowledgement refusals, and
/// alerts nothing covers any more closed at start.
@Suite struct AlertLedgerTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)
    static let bad = AlertObservation.bad(summary: "HTTP 503 from /health", severity: .critical)

    static func route(_ id: String, checks: [String] = ["*"], apps: [String] = ["*"], findings: Severity? = nil, forRuns: Int = 2,
                      channels: [String] = ["ops"]) -> AlertRoute {
        AlertRoute(rule: AlertRule(id: id, forRuns: forRuns, escalation: [.init(after: 0, channels: channels)]),
                   match: AlertMatch(checks: checks, apps: apps, findings: findings))
    }

    static func run(_ ledger: inout AlertLedger, _ offset: TimeInterval, _ observation: AlertObservation = bad, key: String = "marb@prod/api",
                    app: String? = "marb", silenced: Bool = false) -> [AlertChange] {
        ledger.observeCheck(id: "api", key: key, app: app, instance: "prod", observation, now: base + offset) { _ in silenced }
    }

    @Test func aCheckFiresOnlyTheRulesThatCoverItAfterTheirRuns() {
        var ledger = AlertLedger(routes: [Self.route("marb-checks", apps: ["marb"]), Self.route("other", apps: ["chip"]),
                                          Self.route("findings", findings: .warning)], open: [], now: Self.base)
        #expect(Self.run(&ledger, 0).isEmpty)
        #expect(ledger.records.map(\.state.phase) == [.pending])
        let changes = Self.run(&ledger, 30)
        #expect(changes.count == 1)
        let change = changes[0]
        #expect(change.fired && change.record.rule == "marb-checks" && change.record.subject == "marb@prod/api")
        #expect(change.record.app == "marb" && change.record.instance == "prod" && change.record.kind == "check")
        #expect(change.effects.first == .persist)
        guard case let .notify(notice, channels)? = change.effects.last else { Issue.record("no notice"); return }
        #expect(notice.kind == .firing && channels == ["ops"] && notice.summary == "HTTP 503 from /health")
    }

    @Test func aGoodRunDropsAPendingStreakWithoutAWord() {
        var ledger = AlertLedger(routes: [Self.route("checks")], open: [], now: Self.base)
        _ = Self.run(&ledger, 0)
        #expect(Self.run(&ledger, 30, .good).isEmpty)
        #expect(ledger.records.isEmpty)
        // The next bad run starts a new streak: one run is not enough.
        #expect(Self.run(&ledger, 60).isEmpty)
    }

    @Test func aSilencedAlertFiresWithoutNoticesAndIsTrackedFromTheHistoryOn() {
        var ledger = AlertLedger(routes: [Self.route("checks")], open: [], now: Self.base)
        _ = Self.run(&ledger, 0, silenced: true)
        let changes = Self.run(&ledger, 30, silenced: true)
        #expect(changes.map(\.effects) == [[.persist]])
        #expect(changes.first?.record.state.owedAfterSilence == true)
        ledger.assign(id: 7, deploy: nil, rule: "checks", subject: "marb@prod/api")
        // The silence is over and it still fails: it is sent once.
        let after = Self.run(&ledger, 60)
        guard case let .notify(notice, _)? = after.first?.effects.last else { Issue.record("no notice after the silence"); return }
        #expect(notice.kind == .afterSilence && after.first?.record.id == 7)
    }

    @Test func anAlertFromTheHistoryCarriesOnAndResolves() {
        var firing = AlertState()
        firing.phase = .firing
        firing.since = Self.base
        firing.firedAt = Self.base
        firing.notified = ["ops"]
        let stored = AlertRecord(id: 3, rule: "checks", subject: "marb@prod/api", kind: "check", app: "marb", instance: "prod", state: firing)
        var ledger = AlertLedger(routes: [Self.route("checks")], open: [stored], checks: ["marb@prod/api": .init(id: "api", app: "marb")], now: Self.base)
        #expect(ledger.orphans.isEmpty && ledger.record(id: 3) != nil)
        let changes = Self.run(&ledger, 60, .good)
        #expect(changes.first?.record.id == 3 && changes.first?.record.state.phase == .resolved)
        guard case let .notify(notice, channels)? = changes.first?.effects.last else { Issue.record("no resolved notice"); return }
        #expect(notice.kind == .resolved && channels == ["ops"])
        #expect(ledger.records.isEmpty)
    }

    @Test func alertsOfARemovedRuleOrCheckAreClosedAtStart() {
        var firing = AlertState()
        firing.phase = .firing
        let gone = AlertRecord(id: 1, rule: "old-rule", subject: "marb@prod/api", kind: "check", app: "marb", instance: "prod", state: firing)
        let unscheduled = AlertRecord(id: 2, rule: "checks", subject: "marb@prod/removed", kind: "check", app: "marb", instance: "prod", state: firing)
        let finding = AlertRecord(id: 4, rule: "findings", subject: "tls.expiring x", kind: "finding", app: nil, instance: nil, state: firing)
        let chip = AlertRecord(id: 5, rule: "marb-only", subject: "chip@prod/api", kind: "check", app: "chip", instance: "prod", state: firing)
        let findingOfChecksRule = AlertRecord(id: 6, rule: "marb-only", subject: "tls.expiring y", kind: "finding", app: nil, instance: nil,
                                              state: firing)
        let unreadable = AlertRecord(id: 7, rule: "checks", subject: "marb@prod/api", kind: "check", app: "marb", instance: "prod", state: AlertState())
        let checks: [String: AlertLedger.CheckRef] = ["marb@prod/api": .init(id: "api", app: "marb"), "chip@prod/api": .init(id: "api", app: "chip")]
        let ledger = AlertLedger(routes: [Self.route("checks", findings: nil), Self.route("findings", findings: .warning),
                                          Self.route("marb-only", apps: ["marb"])],
                                 open: [gone, unscheduled, finding, chip, findingOfChecksRule, unreadable], checks: checks, now: Self.base)
        // Gone rule, unscheduled check, a check the narrowed rule no longer covers, a finding under a checks rule, a
        // row whose state did not read back as open.
        #expect(ledger.orphans.map(\.id) == [1, 2, 5, 6, 7])
        #expect(ledger.orphans.allSatisfy { $0.state.phase == .resolved && $0.state.resolvedAt == Self.base })
        #expect(ledger.records.map(\.id) == [4])
    }

    @Test func findingsAtTheRulesSeverityFireAndResolveWhenTheAuditNoLongerReportsThem() {
        var ledger = AlertLedger(routes: [Self.route("findings", findings: .warning, forRuns: 1)], open: [], now: Self.base)
        let cert = Finding(rule: "tls.expiring", severity: .critical, subject: "/etc/ssl/marb.pem", summary: "expires in 5 days", evidence: [],
                           fix: "certbot renew")
        let info = Finding(rule: "ports.extra", severity: .info, subject: "8080", summary: "an extra port", evidence: [], fix: "close it")
        let fired = ledger.observeFindings([cert, info], now: Self.base) { _ in false }
        #expect(fired.map(\.record.subject) == ["tls.expiring /etc/ssl/marb.pem"])
        #expect(fired.first?.record.state.summary == "expires in 5 days (fix: certbot renew)")
        #expect(fired.first?.record.kind == "finding")
        ledger.assign(id: 9, deploy: nil, rule: "findings", subject: "tls.expiring /etc/ssl/marb.pem")
        let resolved = ledger.observeFindings([info], now: Self.base + 3600) { _ in false }
        #expect(resolved.map(\.record.state.phase) == [.resolved] && resolved.first?.record.id == 9)
    }

    @Test func acknowledgingNeedsAFiringAlert() {
        var ledger = AlertLedger(routes: [Self.route("checks")], open: [], now: Self.base)
        #expect(ledger.acknowledge(id: 1, by: "alice", now: Self.base) == .failure(.notFound))
        _ = Self.run(&ledger, 0)
        _ = Self.run(&ledger, 30)
        ledger.assign(id: 1, deploy: nil, rule: "checks", subject: "marb@prod/api")
        guard case .success(let change) = ledger.acknowledge(id: 1, by: "alice", now: Self.base + 40) else { Issue.record("refused"); return }
        #expect(change.record.state.phase == .acknowledged && change.record.state.acknowledgedBy == "alice")
        #expect(ledger.acknowledge(id: 1, by: "bob", now: Self.base + 50) == .failure(.notFiring(.acknowledged)))
    }
}

/// Time passing between runs: escalation on time without a run, a held-back notice sent when the silence ends, and
/// a good run toward `resolve_runs` not undone.
@Suite struct AlertLedgerElapseTests {
    static let base = AlertLedgerTests.base

    static func ledger(resolveRuns: Int = 1) -> AlertLedger {
        let rule = AlertRule(id: "findings", forRuns: 1, resolveRuns: resolveRuns,
                             escalation: [.init(after: 0, channels: ["chat"]), .init(after: 900, channels: ["pager"])])
        return AlertLedger(routes: [AlertRoute(rule: rule, match: AlertMatch(findings: .warning))], open: [], now: base)
    }

    static let finding = Finding(rule: "tls.expiring", severity: .critical, subject: "/etc/ssl/a.pem", summary: "expires in 5 days",
                                 evidence: [], fix: "certbot renew")

    @Test func escalationComesWhenDueWithoutAnotherRun() {
        var ledger = Self.ledger()
        _ = ledger.observeFindings([Self.finding], now: Self.base) { _ in false }
        #expect(ledger.reassess(now: Self.base + 600) { _ in false }.isEmpty)
        let due = ledger.reassess(now: Self.base + 901) { _ in false }
        guard case let .notify(notice, channels)? = due.first?.effects.last else { Issue.record("no escalation"); return }
        #expect(notice.kind == .escalated && channels == ["pager"])
        #expect(ledger.reassess(now: Self.base + 902) { _ in false }.isEmpty, "once")
    }

    @Test func aNoticeHeldBackBySilenceGoesOutWhenItEnds() {
        var ledger = Self.ledger()
        let fired = ledger.observeFindings([Self.finding], now: Self.base) { _ in true }
        #expect(fired.first?.effects == [.persist])
        #expect(ledger.reassess(now: Self.base + 60) { _ in true }.isEmpty)
        let after = ledger.reassess(now: Self.base + 120) { _ in false }
        guard case let .notify(notice, channels)? = after.first?.effects.last else { Issue.record("nothing after the silence"); return }
        #expect(notice.kind == .afterSilence && channels == ["chat"])
    }

    @Test func aGoodRunTowardResolvingIsNotUndone() {
        var ledger = Self.ledger(resolveRuns: 2)
        _ = ledger.observeFindings([Self.finding], now: Self.base) { _ in false }
        _ = ledger.observeFindings([], now: Self.base + 60) { _ in false }
        _ = ledger.reassess(now: Self.base + 70) { _ in false }
        let resolved = ledger.observeFindings([], now: Self.base + 120) { _ in false }
        #expect(resolved.first?.record.state.phase == .resolved)
    }
}
