import Foundation
import Testing
@testable import StewardCore

/// The one-line notice (Slack's text, ntfy's message, the email Subject): it names the deploy and the rollback.
@Suite struct RenderAlertTextTests {
    @Test func aFiringAlertNamesTheDeployItFollowedAndItsRollback() {
        #expect(AlertText.line(AlertMessageFixture.message()) ==
            "[FIRING critical] marb@prod/api health: answered 503 — failing since deploy #12 of v1.4.2 (by api:ci), "
            + "3 minutes after it; roll back: steward rollback marb@prod")
    }

    @Test func withoutADeployItIsTheSubjectAndSummary() {
        #expect(AlertText.line(AlertMessageFixture.message(.repeating, severity: .warning, deployed: false))
            == "[STILL FIRING warning] marb@prod/api health: answered 503")
    }

    @Test func resolvedAndAcknowledgedNoticesBlameNoDeploy() {
        #expect(AlertText.line(AlertMessageFixture.message(.resolved, summary: "answered 200"))
            == "[RESOLVED critical] marb@prod/api health: answered 200")
        #expect(AlertText.line(AlertMessageFixture.message(.acknowledged, acknowledgedBy: "alice"))
            == "[ACKNOWLEDGED critical] marb@prod/api health: answered 503; acknowledged by alice")
    }

    @Test func theTimeAfterTheDeployIsInWholeMinutes() {
        let deployed = AlertMessageFixture.since
        #expect(AlertText.after(deployed, deployed + 59) == "under a minute after it")
        #expect(AlertText.after(deployed, deployed + 60) == "1 minute after it")
        #expect(AlertText.after(deployed, deployed + 1500) == "25 minutes after it")
    }

    @Test func aSummaryStaysOnOneLineAndIsCut() {
        let line = AlertText.line(AlertMessageFixture.message(summary: "first\r\nsecond\u{2028}" + String(repeating: "x", count: 500), deployed: false))
        #expect(!line.contains { $0.isNewline })
        #expect(line.hasPrefix("[FIRING critical] marb@prod/api health: first  second xxx"))
        #expect(line.hasSuffix("x…"))
        #expect(line.count == "[FIRING critical] marb@prod/api health: ".count + AlertText.summaryLimit)
    }
}
