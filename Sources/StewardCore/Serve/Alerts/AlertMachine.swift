import Foundation

/// The alert state machine, pure: every transition is a function of the state, one observation, the rule, the time
/// passed in and whether a silence matches, so table tests can drive each one (design §6.1).
///
/// A silence is an overlay, not a phase: the machine runs on, but while silenced a firing, repeat or escalation is
/// dropped and owed; if the alert still fires when the silence ends, it is sent once (`afterSilence`). Acknowledged
/// and resolved notices still go out while silenced, and only to channels already told: they end noise instead of
/// making it, and an alert that paged someone before a deploy and resolved during the deploy's silence must not
/// leave them believing it still fires.
public enum AlertMachine {
    public static func step(_ state: AlertState, _ observation: AlertObservation, rule: AlertRule, now: Date,
                            silenced: Bool) -> (AlertState, [AlertEffect]) {
        var next = state
        var notices: [AlertEffect] = []
        switch (observation, rule.unknown) {
        case (.unknown, .ignore):
            return (state, [])
        case (.good, _):
            switch state.phase {
            case .ok:
                return (state, [])
            case .pending, .resolved:
                // A flap is absorbed silently; a resolved alert's row is closed, so nothing is left to remember.
                return (AlertState(), [])
            case .firing, .acknowledged:
                next.goodRuns += 1
                if next.goodRuns >= rule.resolveRuns {
                    next.phase = .resolved
                    next.resolvedAt = now
                    next.owedAfterSilence = false
                    notices += notify(.resolved, to: next.notified, next, rule: rule, now: now)
                }
            }
        case let (.bad(summary, severity), _):
            record(&next, summary: summary, severity: rule.severity ?? severity, now: now)
            advance(&next, rule: rule, now: now, silenced: silenced, notices: &notices)
        case let (.unknown(reason), .bad):
            record(&next, summary: "unknown: \(reason)", severity: rule.severity ?? .warning, now: now)
            advance(&next, rule: rule, now: now, silenced: silenced, notices: &notices)
        }
        return (next, effects(from: state, to: next, notices))
    }

    /// Someone takes a firing alert (API, dashboard, `steward alerts ack`): reminders and escalation stop, and every
    /// channel told so far hears who took it (in name order: the rule is not needed to take an alert). Anything but a
    /// firing alert is left as it is.
    public static func acknowledge(_ state: AlertState, by who: String, now: Date) -> (AlertState, [AlertEffect]) {
        guard state.phase == .firing else { return (state, []) }
        var next = state
        next.phase = .acknowledged
        next.acknowledgedAt = now
        next.acknowledgedBy = who
        next.owedAfterSilence = false
        return (next, effects(from: state, to: next, notify(.acknowledged, to: next.notified, next, rule: nil, now: now)))
    }

    /// Time passes between runs: a firing alert escalates, is repeated, or sends what a silence held back, when due.
    /// Its counters and summary stay as the last run left them (a good run counted toward `resolve_runs` stands).
    public static func elapse(_ state: AlertState, rule: AlertRule, now: Date, silenced: Bool) -> (AlertState, [AlertEffect]) {
        guard state.phase == .firing else { return (state, []) }
        var next = state
        var notices: [AlertEffect] = []
        advance(&next, rule: rule, now: now, silenced: silenced, notices: &notices)
        return (next, effects(from: state, to: next, notices))
    }

    /// A bad run's bookkeeping: a new streak after `ok` or `resolved` (a new alert), the latest summary otherwise.
    private static func record(_ state: inout AlertState, summary: String, severity: Severity, now: Date) {
        if state.phase == .ok || state.phase == .resolved {
            state = AlertState()
            state.phase = .pending
            state.since = now
        }
        if state.phase == .pending { state.badRuns += 1 }
        state.goodRuns = 0
        state.summary = summary
        state.severity = severity
    }

    /// A bad run moves a pending alert to firing when due, and a firing one through escalation, repeats and the
    /// after-silence send. Each channel gets at most one notice per run.
    private static func advance(_ state: inout AlertState, rule: AlertRule, now: Date, silenced: Bool,
                                notices: inout [AlertEffect]) {
        switch state.phase {
        case .pending:
            guard state.badRuns >= rule.forRuns, let since = state.since, now.timeIntervalSince(since) >= rule.forDuration
            else { return }
            state.phase = .firing
            state.firedAt = now
            state.step = reachedStep(rule, firingFor: 0)
            let reached = channels(rule, steps: 0...state.step)
            tell(&state, .firing, channels: reached, rule: rule, now: now, silenced: silenced, notices: &notices)
        case .firing:
            let before = state.step
            state.step = max(before, reachedStep(rule, firingFor: now.timeIntervalSince(state.firedAt ?? now)))
            let reached = channels(rule, steps: 0...state.step)
            if silenced || state.owedAfterSilence {
                let due = state.step > before || repeatDue(state, rule: rule, now: now)
                if silenced && !due { return }
                tell(&state, .afterSilence, channels: reached, rule: rule, now: now, silenced: silenced, notices: &notices)
                return
            }
            let fresh = state.step > before ? channels(rule, steps: (before + 1)...state.step).subtracting(state.notified) : []
            if !fresh.isEmpty {
                notices += notify(.escalated, to: fresh, state, rule: rule, now: now)
                state.notified.formUnion(fresh)
            }
            if repeatDue(state, rule: rule, now: now) {
                tell(&state, .repeating, channels: reached.subtracting(fresh), rule: rule, now: now, silenced: false,
                     notices: &notices)
            }
        case .ok, .acknowledged, .resolved:
            return
        }
    }

    /// Sends a notice that goes to every step reached, or owes it when silenced.
    private static func tell(_ state: inout AlertState, _ kind: AlertNotice.Kind, channels: Set<String>, rule: AlertRule,
                             now: Date, silenced: Bool, notices: inout [AlertEffect]) {
        if silenced {
            state.owedAfterSilence = true
            return
        }
        state.owedAfterSilence = false
        state.lastNotified = now
        notices += notify(kind, to: channels, state, rule: rule, now: now)
        state.notified.formUnion(channels)
    }

    private static func repeatDue(_ state: AlertState, rule: AlertRule, now: Date) -> Bool {
        guard let interval = rule.repeatInterval, let last = state.lastNotified ?? state.firedAt else { return false }
        return now.timeIntervalSince(last) >= interval
    }

    /// The highest step whose `after` has passed; step 0 is reached on firing whatever its `after` says.
    private static func reachedStep(_ rule: AlertRule, firingFor elapsed: TimeInterval) -> Int {
        rule.escalation.indices.last { $0 == 0 || rule.escalation[$0].after <= elapsed } ?? 0
    }

    private static func channels(_ rule: AlertRule, steps: ClosedRange<Int>) -> Set<String> {
        Set(rule.escalation.indices.filter { steps.contains($0) }.flatMap { rule.escalation[$0].channels })
    }

    /// One notify effect, channels in the rule's order (then any the rule no longer names, sorted); none when empty.
    private static func notify(_ kind: AlertNotice.Kind, to channels: Set<String>, _ state: AlertState,
                               rule: AlertRule?, now: Date) -> [AlertEffect] {
        guard !channels.isEmpty else { return [] }
        var ordered: [String] = []
        for channel in (rule?.escalation ?? []).flatMap(\.channels) where channels.contains(channel) && !ordered.contains(channel) {
            ordered.append(channel)
        }
        ordered += channels.subtracting(ordered).sorted()
        let notice = AlertNotice(kind: kind, step: state.step, severity: state.severity, summary: state.summary,
                                 since: state.since ?? now,
                                 acknowledgedBy: kind == .acknowledged ? state.acknowledgedBy : nil)
        return [.notify(notice, channels: ordered)]
    }

    /// `persist` first (the engine needs the row before a delivery can point at it) whenever a fired alert changed.
    private static func effects(from old: AlertState, to new: AlertState, _ notices: [AlertEffect]) -> [AlertEffect] {
        let written: Set<AlertPhase> = [.firing, .acknowledged, .resolved]
        return (old != new && written.contains(new.phase) ? [.persist] : []) + notices
    }
}
