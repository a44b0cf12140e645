import Foundation
import Testing
@testable import StewardCore

/// The alert machine's transitions (design §6.1), each driven with explicit times from a fixed base.
@Suite struct AlertMachineTests {
    static let base = Date(timeIntervalSince1970: 1_800_000_000)
    static let bad = AlertObservation.bad(summary: "HTTP 503 from /health", severity: .critical)

    /// Feeds runs and acknowledgements to the machine, keeping its state like the engine does.
    struct Driver {
        let rule: AlertRule
        var state = AlertState()

        mutating func run(_ offset: TimeInterval, _ observation: AlertObservation = AlertMachineTests.bad, silenced: Bool = false) -> [String] {
            let (next, effects) = AlertMachine.step(state, observation, rule: rule, now: AlertMachineTests.base + offset,
                                                     silenced: silenced)
            state = next
            return AlertMachineTests.describe(effects)
        }

        mutating func ack(_ offset: TimeInterval, by who: String = "alice") -> [String] {
            let (next, effects) = AlertMachine.acknowledge(state, by: who, now: AlertMachineTests.base + offset)
            state = next
            return AlertMachineTests.describe(effects)
        }
    }

    /// `persist`, or `KIND STEP: channel,channel`.
    static func describe(_ effects: [AlertEffect]) -> [String] {
        effects.map { effect in
            switch effect {
            case .persist: "persist"
            case let .notify(notice, channels): "\(notice.kind.rawValue) \(notice.step): \(channels.joined(separator: ","))"
            }
        }
    }

    static func rule(forRuns: Int? = 1, forDuration: TimeInterval = 0, resolveRuns: Int = 1, repeat interval: TimeInterval? = nil,
                     unknown: AlertRule.UnknownPolicy = .bad,
                     steps: [(TimeInterval, [String])] = [(0, ["ops", "chat"]), (900, ["oncall"])]) -> AlertRule {
        AlertRule(id: "checks", forRuns: forRuns, forDuration: forDuration, resolveRuns: resolveRuns, repeatInterval: interval,
                  escalation: steps.map { AlertRule.EscalationStep(after: $0.0, channels: $0.1) }, unknown: unknown)
    }

    @Test func defaultsAreThreeRunsOrTheDurationAloneAndOneGoodRun() {
        #expect(AlertRule(id: "r", escalation: []).forRuns == 3)
        #expect(AlertRule(id: "r", forDuration: 90, escalation: []).forRuns == 1)
        #expect(AlertRule(id: "r", forRuns: 2, forDuration: 90, escalation: []).forRuns == 2)
        #expect(AlertRule(id: "r", escalation: []).resolveRuns == 1 && AlertRule(id: "r", escalation: []).unknown == .bad)
    }

    @Test func aFlapWhilePendingIsAbsorbedSilently() {
        var alert = Driver(rule: Self.rule(forRuns: 3))
        #expect(alert.run(0) == [] && alert.run(30) == [])
        #expect(alert.state.phase == .pending && alert.state.badRuns == 2)
        #expect(alert.run(60, .good) == [])
        #expect(alert.state == AlertState())
        #expect(alert.run(90) == [] && alert.run(120) == [], "the count starts over after the flap")
        #expect(alert.state.phase == .pending && alert.state.since == Self.base + 90)
    }

    @Test func firesAfterNBadRunsToStepZeroWithWhatANoticeNeeds() throws {
        var alert = Driver(rule: Self.rule(forRuns: 3))
        #expect(alert.run(0) == [] && alert.run(30) == [])
        let (state, effects) = AlertMachine.step(alert.state, .bad(summary: "HTTP 502", severity: .warning),
                                                 rule: alert.rule, now: Self.base + 60, silenced: false)
        #expect(Self.describe(effects) == ["persist", "firing 0: ops,chat"])
        #expect(state.phase == .firing && state.firedAt == Self.base + 60 && state.notified == ["ops", "chat"])
        guard case let .notify(notice, _) = try #require(effects.last) else { Issue.record("no notice"); return }
        #expect(notice == AlertNotice(kind: .firing, step: 0, severity: .warning, summary: "HTTP 502", since: Self.base))
    }

    @Test func theRuleSeverityOverridesTheObservations() {
        var rule = Self.rule()
        rule.severity = .info
        let (state, _) = AlertMachine.step(AlertState(), Self.bad, rule: rule, now: Self.base, silenced: false)
        #expect(state.severity == .info)
    }

    @Test func withBothRunsAndDurationTheLaterOfTheTwoFires() {
        var longer = Driver(rule: Self.rule(forRuns: 2, forDuration: 90))
        #expect(longer.run(0) == [] && longer.run(30) == [] && longer.run(60) == [], "two runs, but only 60 s")
        #expect(longer.run(90) == ["persist", "firing 0: ops,chat"])

        var more = Driver(rule: Self.rule(forRuns: 5, forDuration: 60))
        #expect(more.run(0) == [] && more.run(60) == [] && more.run(120) == [] && more.run(180) == [], "long enough, four runs")
        #expect(more.run(240) == ["persist", "firing 0: ops,chat"])
    }

    @Test func unknownCountsAsBadByDefault() {
        var alert = Driver(rule: Self.rule(forRuns: 2))
        #expect(alert.run(0, .unknown(reason: "timed out")) == [])
        #expect(alert.run(30, .unknown(reason: "timed out")) == ["persist", "firing 0: ops,chat"])
        #expect(alert.state.summary == "unknown: timed out" && alert.state.severity == .warning)
    }

    @Test func unknownIgnoredChangesNothing() {
        var alert = Driver(rule: Self.rule(forRuns: 3, unknown: .ignore))
        #expect(alert.run(0, .unknown(reason: "timed out")) == [] && alert.state == AlertState())
        _ = alert.run(30)
        let pending = alert.state
        #expect(alert.run(60, .unknown(reason: "timed out")) == [] && alert.state == pending)
        #expect(alert.run(90) == [] && alert.state.badRuns == 2)

        var firing = Driver(rule: Self.rule(resolveRuns: 2, unknown: .ignore))
        _ = firing.run(0)
        _ = firing.run(30, .good)
        #expect(firing.run(60, .unknown(reason: "timed out")) == [] && firing.state.goodRuns == 1)
        #expect(firing.run(90, .good) == ["persist", "resolved 0: ops,chat"])
    }

    @Test func repeatsEveryIntervalFromTheLastSendAndNeverWithoutOne() {
        var alert = Driver(rule: Self.rule(repeat: 600))
        #expect(alert.run(0) == ["persist", "firing 0: ops,chat"])
        #expect(alert.run(300) == [] && alert.run(599) == [])
        #expect(alert.run(600) == ["persist", "repeating 0: ops,chat"])
        #expect(alert.run(900) == ["persist", "escalated 1: oncall"], "an escalation does not move the repeat")
        #expect(alert.run(1199) == [])
        #expect(alert.run(1200) == ["persist", "repeating 1: ops,chat,oncall"], "to every step reached")

        var quiet = Driver(rule: Self.rule(steps: [(0, ["ops"])]))
        _ = quiet.run(0)
        #expect(quiet.run(86_400) == [])
    }

    @Test func eachEscalationStepIsToldOnceAndOnlyChannelsNotYetTold() {
        var alert = Driver(rule: Self.rule(steps: [(0, ["ops"]), (900, ["ops", "oncall"]), (1800, ["pager"])]))
        #expect(alert.run(0) == ["persist", "firing 0: ops"])
        #expect(alert.run(899) == [])
        #expect(alert.run(900) == ["persist", "escalated 1: oncall"])
        #expect(alert.run(930) == [] && alert.run(1799) == [])
        #expect(alert.run(1800) == ["persist", "escalated 2: pager"])
        #expect(alert.run(5000) == [])
    }

    @Test func runsMissedAcrossStepsEscalateOnceToTheHighest() {
        var alert = Driver(rule: Self.rule(steps: [(0, ["ops"]), (900, ["oncall"]), (1800, ["pager"])]))
        _ = alert.run(0)
        #expect(alert.run(2000) == ["persist", "escalated 2: oncall,pager"])
    }

    @Test func acknowledgingTellsTheToldChannelsAndStopsRepeatsAndEscalation() throws {
        var alert = Driver(rule: Self.rule(repeat: 600))
        _ = alert.run(0)
        let (state, effects) = AlertMachine.acknowledge(alert.state, by: "alice", now: Self.base + 60)
        #expect(Self.describe(effects) == ["persist", "acknowledged 0: chat,ops"])
        guard case let .notify(notice, _) = try #require(effects.last) else { Issue.record("no notice"); return }
        #expect(notice.acknowledgedBy == "alice" && notice.summary == "HTTP 503 from /health")
        #expect(state.phase == .acknowledged && state.acknowledgedAt == Self.base + 60)
        alert.state = state
        #expect(alert.run(600) == [] && alert.run(900) == [] && alert.run(1200) == [], "no repeat, no escalation")
        #expect(alert.run(1230, .good) == ["persist", "resolved 0: ops,chat"])
    }

    @Test func onlyAFiringAlertCanBeAcknowledged() {
        var alert = Driver(rule: Self.rule(forRuns: 3))
        #expect(alert.ack(0) == [])
        _ = alert.run(0)
        #expect(alert.ack(10) == [] && alert.state.phase == .pending)
        _ = alert.run(30)
        _ = alert.run(60)
        _ = alert.ack(70)
        #expect(alert.ack(80, by: "bob") == [] && alert.state.acknowledgedBy == "alice")
    }

    @Test func resolvedGoesOnlyToChannelsThatWereTold() {
        var alert = Driver(rule: Self.rule(steps: [(0, ["ops"]), (900, ["oncall"])]))
        _ = alert.run(0)
        #expect(alert.run(30, .good) == ["persist", "resolved 0: ops"], "oncall was never told it fired")
        #expect(alert.state.phase == .resolved && alert.state.resolvedAt == Self.base + 30)
        #expect(alert.run(60, .good) == [] && alert.state == AlertState(), "the closed alert is forgotten")
    }

    @Test func resolveRunsMustBeInARow() {
        var alert = Driver(rule: Self.rule(resolveRuns: 2))
        _ = alert.run(0)
        #expect(alert.run(30, .good) == ["persist"] && alert.state.phase == .firing)
        #expect(alert.run(60) == ["persist"] && alert.state.goodRuns == 0)
        #expect(alert.run(90, .good) == ["persist"])
        #expect(alert.run(120, .good) == ["persist", "resolved 0: ops,chat"])
    }

    @Test func aBadRunAfterResolvingOpensANewAlert() {
        var alert = Driver(rule: Self.rule(forRuns: 2, steps: [(0, ["ops"]), (900, ["oncall"])]))
        _ = alert.run(0)
        _ = alert.run(30)
        _ = alert.run(930)
        #expect(alert.run(960, .good) == ["persist", "resolved 1: ops,oncall"])
        #expect(alert.run(990) == [] && alert.state.phase == .pending && alert.state.since == Self.base + 990)
        #expect(alert.run(1020) == ["persist", "firing 0: ops"])
        #expect(alert.state.notified == ["ops"] && alert.state.firedAt == Self.base + 1020)
        #expect(alert.run(1050, .good) == ["persist", "resolved 0: ops"])
    }

    @Test func aSilenceDropsNoticesAndTheAlertStillFiringIsSentOnceAfter() {
        var alert = Driver(rule: Self.rule(repeat: 600))
        #expect(alert.run(0, silenced: true) == ["persist"], "fires, tells nobody")
        #expect(alert.state.phase == .firing && alert.state.notified.isEmpty)
        #expect(alert.run(600, silenced: true) == [], "the repeat is dropped")
        #expect(alert.run(900, silenced: true) == ["persist"], "step 1 is reached, not told")
        #expect(alert.run(930) == ["persist", "after_silence 1: ops,chat,oncall"])
        #expect(alert.run(960) == [], "once")
        #expect(alert.run(1530) == ["persist", "repeating 1: ops,chat,oncall"], "repeats count from that send")
    }

    @Test func aSilenceThatDroppedNothingSendsNothingAfter() {
        var alert = Driver(rule: Self.rule(repeat: 600))
        _ = alert.run(0)
        #expect(alert.run(30, silenced: true) == [] && alert.run(60) == [])
    }

    @Test func anAlertFiringAndResolvingInsideASilenceTellsNobody() {
        var alert = Driver(rule: Self.rule())
        #expect(alert.run(0, silenced: true) == ["persist"])
        #expect(alert.run(30, .good, silenced: true) == ["persist"])
        #expect(alert.state.phase == .resolved)
        #expect(alert.run(60, .good) == [], "nothing owed once resolved")
    }

    @Test func acknowledgedAndResolvedReachToldChannelsThroughASilence() {
        var alert = Driver(rule: Self.rule())
        _ = alert.run(0)
        #expect(alert.run(30, .good, silenced: true) == ["persist", "resolved 0: ops,chat"])

        var acked = Driver(rule: Self.rule())
        _ = acked.run(0, silenced: true)
        #expect(acked.ack(30) == ["persist"], "nobody was told, nobody hears")
        #expect(acked.run(60) == [], "an acknowledged alert is not sent after the silence")
    }

    @Test func aChannelGetsOneNoticePerRun() {
        var alert = Driver(rule: Self.rule(repeat: 900, steps: [(0, ["ops"]), (900, ["ops", "oncall"])]))
        _ = alert.run(0)
        #expect(alert.run(900) == ["persist", "escalated 1: oncall", "repeating 1: ops"])

        var together = Driver(rule: Self.rule(steps: [(0, ["ops"]), (0, ["ops", "oncall"])]))
        #expect(together.run(0) == ["persist", "firing 1: ops,oncall"])
    }
}
