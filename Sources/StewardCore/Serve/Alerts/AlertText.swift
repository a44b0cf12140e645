import Foundation

/// A notice in one line: Slack's `text`, the ntfy message, an email's Subject. It names the deploy the alert
/// followed and the rollback that would undo it, so whoever reads it on a phone knows what changed and what to run:
/// `[FIRING critical] marb@prod/api health: answered 503 — failing since deploy #12 of v1.4.2 (by api:ci), 3 minutes
/// after it; roll back: steward rollback marb@prod`.
public enum AlertText {
    /// Summaries are check output: long ones are cut, so the line stays a line (an email Subject must stay under
    /// 998 bytes, a phone shows a few words).
    static let summaryLimit = 200

    public static func line(_ m: AlertMessage) -> String {
        let clean = AlertHeaderText.oneLine
        var line = "[\(tag(m.event)) \(m.severity.rawValue)] \(clean(m.subject)): "
            + AlertHeaderText.truncated(clean(m.summary), summaryLimit)
        if m.event == .acknowledged, let who = m.acknowledgedBy { line += "; acknowledged by \(clean(who))" }
        if isFailing(m.event), let deploy = m.deploy {
            line += " — failing since deploy #\(deploy.id) of \(clean(deploy.ref)) (by \(clean(deploy.operatorName))), "
                + after(deploy.startedAt, m.since) + "; roll back: " + clean(deploy.rollback)
        }
        return line
    }

    /// The word a notice starts with: a reminder and an escalation still say the alert is firing, in their own way.
    public static func tag(_ kind: AlertNotice.Kind) -> String {
        switch kind {
        case .firing, .afterSilence: "FIRING"
        case .repeating: "STILL FIRING"
        case .escalated: "ESCALATED"
        case .acknowledged: "ACKNOWLEDGED"
        case .resolved: "RESOLVED"
        }
    }

    /// Notices that say the check is bad now: only these blame a deploy (a resolved one no longer fails since it).
    public static func isFailing(_ kind: AlertNotice.Kind) -> Bool {
        switch kind {
        case .firing, .repeating, .escalated, .afterSilence: true
        case .acknowledged, .resolved: false
        }
    }

    /// `3 minutes after it`: how long after the deploy started the bad stretch began.
    static func after(_ deployed: Date, _ since: Date) -> String {
        let minutes = Int(max(0, since.timeIntervalSince(deployed)) / 60)
        switch minutes {
        case 0: return "under a minute after it"
        case 1: return "1 minute after it"
        default: return "\(minutes) minutes after it"
        }
    }
}
