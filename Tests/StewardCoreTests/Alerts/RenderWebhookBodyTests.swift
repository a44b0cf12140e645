import Foundation
import Testing
@testable import StewardCore

/// The webhook's JSON: byte-stable (the signature covers it), sorted keys, ISO 8601 times.
@Suite struct RenderWebhookBodyTests {
    @Test func theBodyOfTheIssuesExample() {
        let body = String(decoding: AlertWebhookBody.render(AlertMessageFixture.message()), as: UTF8.self)
        #expect(body == #"{"alert":{"app":"marb","deploy":{"id":12,"operator":"api:ci","ref":"v1.4.2","#
            + #""rollback":"steward rollback marb@prod","started_at":"2027-01-15T07:56:50Z"},"id":7,"instance":"prod","#
            + #""rule":"api-down","severity":"critical","since":"2027-01-15T08:00:00Z","step":0,"#
            + #""subject":"marb@prod/api health","summary":"answered 503"},"event":"firing","host":"web1","#
            + #""sent_at":"2027-01-15T08:01:00Z"}"#)
    }

    @Test func anAcknowledgementSaysWhoAndNoDeployKeyWithoutOne() {
        let body = String(decoding: AlertWebhookBody.render(AlertMessageFixture.message(.acknowledged, deployed: false, acknowledgedBy: "alice")),
                          as: UTF8.self)
        #expect(body.contains(#""acknowledged_by":"alice","app":"marb","id":7,"#))
        #expect(!body.contains("deploy"))
        #expect(body.contains(#""event":"acknowledged""#))
    }

    @Test func summariesWithQuotesAndLineBreaksStayInTheirString() throws {
        let body = AlertWebhookBody.render(AlertMessageFixture.message(summary: "said \"no\"\n}{"))
        let decoded = try JSONSerialization.jsonObject(with: Data(body)) as? [String: Any]
        let alert = decoded?["alert"] as? [String: Any]
        #expect(alert?["summary"] as? String == "said \"no\"\n}{")
    }

    @Test func slackGetsTheLineAsText() {
        #expect(String(decoding: AlertSlackBody.render(AlertMessageFixture.message(deployed: false)), as: UTF8.self)
            == #"{"text":"[FIRING critical] marb@prod/api health: answered 503"}"#)
    }
}
