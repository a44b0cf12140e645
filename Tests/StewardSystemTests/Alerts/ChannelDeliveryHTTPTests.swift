import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// Webhook, Slack and ntfy deliveries against a real HTTP receiver on 127.0.0.1, through the real resolver, the SSRF
/// guard and AsyncHTTPClient. Secrets come from a real env file under a test root.
@Suite struct ChannelDeliveryHTTPTests {
    let tree: TempTree
    let receiver: ChannelReceiver
    let message = ChannelMessageFixture.message()

    init() throws {
        tree = try TempTree()
        try tree.write("/etc/steward/alerts.env",
                       "HOOK_SECRET=whsec_live_9f2\nNTFY_TOKEN=tk_live_5d1\nSLACK_URL=placeholder\n", mode: 0o600)
        receiver = try ChannelReceiver()
    }

    func delivery(allowPrivate: [String] = ["localhost"], timeout: Duration = .seconds(10)) -> ChannelDelivery {
        ChannelDelivery(runner: CommandRunner(), files: HostFiles(root: tree.root), allowPrivate: allowPrivate, timeout: timeout)
    }

    func url(_ path: String, host: String = "localhost") -> String { "http://\(host):\(receiver.port)\(path)" }

    func ref(_ key: String) -> SecretRef { SecretRef(file: "/etc/steward/alerts.env", key: key) }

    /// A Slack channel whose URL (the secret) points at the receiver.
    func slack(_ path: String) throws -> AlertChannel {
        try tree.write("/etc/steward/alerts.env", "SLACK_URL=\(url(path))\n", mode: 0o600)
        return AlertChannel(name: "chat", kind: .slack(url: ref("SLACK_URL")))
    }

    @Test func aWebhookIsDeliveredSignedSoTheReceiverCanVerifyIt() async throws {
        let channel = AlertChannel(name: "hook", kind: .webhook(url: url("/hook"), secret: ref("HOOK_SECRET")))
        let outcome = await delivery().deliver(message, via: channel)
        #expect(outcome == DeliveryOutcome(ok: true, detail: "HTTP 200 from localhost"))
        let requests = try receiver.requests()
        try #require(requests.count == 1)
        let request = requests[0]
        #expect(request.method == "POST" && request.path == "/hook")
        #expect(request.body == String(decoding: AlertWebhookBody.render(message), as: UTF8.self))
        #expect(request.header("Content-Type") == "application/json")
        #expect(request.header("X-Steward-Event") == "firing")
        #expect(UUID(uuidString: request.header("X-Steward-Delivery") ?? "") != nil)
        let signature = try #require(request.header("X-Steward-Signature"))
        let body = Array(request.body.utf8)
        #expect(WebhookSignature.verify(signature, body: body, secret: Secret("whsec_live_9f2"), now: Date()))
        #expect(!WebhookSignature.verify(signature, body: body, secret: Secret("another"), now: Date()))
    }

    @Test func aWebhookWithoutASecretIsUnsigned() async throws {
        let outcome = await delivery().deliver(message, via: AlertChannel(name: "hook", kind: .webhook(url: url("/plain"), secret: nil)))
        #expect(outcome.ok)
        #expect(try receiver.requests().first?.header("X-Steward-Signature") == nil)
    }

    @Test func slackGetsTheLineAsText() async throws {
        let outcome = await delivery().deliver(message, via: try slack("/services/T0/B0/xoxsecret"))
        #expect(outcome == DeliveryOutcome(ok: true, detail: "HTTP 200 from localhost"))
        let request = try #require(try receiver.requests().first)
        #expect(request.path == "/services/T0/B0/xoxsecret")
        #expect(request.body == String(decoding: AlertSlackBody.render(message), as: UTF8.self))
        #expect(request.body.hasPrefix(#"{"text":"[FIRING critical] marb@prod/api health: answered 503 — failing since deploy #12"#))
    }

    @Test func ntfyGetsTheLineWithTitlePriorityTagsAndToken() async throws {
        let channel = AlertChannel(name: "phone", kind: .ntfy(url: url("/steward-alerts"), token: ref("NTFY_TOKEN")))
        let outcome = await delivery().deliver(message, via: channel)
        #expect(outcome.ok, "\(outcome.detail)")
        let request = try #require(try receiver.requests().first)
        #expect(request.path == "/steward-alerts")
        #expect(request.body == AlertText.line(message))
        #expect(request.header("Title") == "FIRING critical: marb@prod/api health")
        #expect(request.header("Priority") == "5")
        #expect(request.header("Tags") == "rotating_light,firing")
        #expect(request.header("Authorization") == "Bearer tk_live_5d1")
        #expect(request.header("Content-Type") == "text/plain; charset=utf-8")
    }

    @Test func loopbackNotAllowedByNameIsRefusedAndNothingIsSent() async throws {
        let byAddress = AlertChannel(name: "hook", kind: .webhook(url: url("/hook", host: "127.0.0.1"), secret: nil))
        let byName = AlertChannel(name: "hook", kind: .webhook(url: url("/hook"), secret: nil))
        #expect(await delivery(allowPrivate: []).deliver(message, via: byAddress) == DeliveryOutcome(
            ok: false, detail: "refused: 127.0.0.1 resolves to 127.0.0.1 (loopback); add it to serve.alerts.allow_private"))
        #expect(await delivery(allowPrivate: []).deliver(message, via: byName) == DeliveryOutcome(
            ok: false, detail: "refused: localhost resolves to 127.0.0.1 (loopback); add it to serve.alerts.allow_private"))
        // Allowing a name allows that name, not the address it resolves to written another way.
        #expect(await delivery(allowPrivate: ["localhost"]).deliver(message, via: byAddress).ok == false)
        #expect(try receiver.requests().isEmpty)
    }

    @Test func aRedirectIsAFailureAndItsTargetGetsNothing() async throws {
        let outcome = await delivery().deliver(message, via: AlertChannel(name: "hook", kind: .webhook(url: url("/redirect"), secret: nil)))
        #expect(outcome == DeliveryOutcome(ok: false, detail: "HTTP 302 from localhost: redirects are not followed; use the URL it points to"))
        #expect(try receiver.requests().map(\.path) == ["/redirect"])
    }

    @Test func aReceiverThatNeverAnswersEndsWithinTheTimeout() async throws {
        let start = ContinuousClock.now
        let outcome = await delivery(timeout: .seconds(1)).deliver(message, via: AlertChannel(name: "hook", kind: .webhook(url: url("/hang"), secret: nil)))
        #expect(ContinuousClock.now - start < .seconds(3))
        #expect(outcome == DeliveryOutcome(ok: false, detail: "no answer from localhost: timed out"))
        #expect(try receiver.requests().map(\.path) == ["/hang"])
    }

    @Test func aMissingSecretNamesTheFileAndKeyAndSendsNothing() async throws {
        let missingKey = AlertChannel(name: "hook", kind: .webhook(url: url("/hook"), secret: ref("NO_SUCH_KEY")))
        #expect(await delivery().deliver(message, via: missingKey) == DeliveryOutcome(ok: false, detail: "/etc/steward/alerts.env has no NO_SUCH_KEY"))
        let missingFile = AlertChannel(name: "phone", kind: .ntfy(url: url("/t"), token: SecretRef(file: "/etc/steward/gone.env", key: "T")))
        let outcome = await delivery().deliver(message, via: missingFile)
        #expect(!outcome.ok && outcome.detail.hasPrefix("cannot read /etc/steward/gone.env"), "\(outcome.detail)")
        #expect(try receiver.requests().isEmpty)
    }

    /// An error page that repeats the request (its path, its Authorization header) must not put the Slack URL or
    /// the ntfy token into the delivery log.
    @Test func anErrorAnswerNeverShowsASecretOrTheSlackURL() async throws {
        let ntfy = await delivery().deliver(message, via: AlertChannel(name: "phone", kind: .ntfy(url: url("/echo/topic"), token: ref("NTFY_TOKEN"))))
        #expect(!ntfy.ok && ntfy.detail.hasPrefix("HTTP 500 from localhost: path=/echo/topic; "), "\(ntfy.detail)")
        #expect(!ntfy.detail.contains("tk_live_5d1"), "\(ntfy.detail)")
        #expect(ntfy.detail.contains("Bearer ***"), "\(ntfy.detail)")

        let slack = await delivery().deliver(message, via: try slack("/echo/T0/B0/xoxsecret"))
        #expect(!slack.ok && slack.detail.hasPrefix("HTTP 500 from localhost: path=***; "), "\(slack.detail)")
        #expect(!slack.detail.contains("xoxsecret"), "\(slack.detail)")
        #expect(try receiver.requests().count == 2, "both reached the receiver: the answers were really scrubbed")
    }

    @Test func aSlackURLThatIsRefusedIsNotRepeated() async throws {
        let outcome = await delivery(allowPrivate: []).deliver(message, via: try slack("/services/T0/B0/xoxsecret"))
        #expect(outcome == DeliveryOutcome(ok: false, detail: "refused: localhost resolves to 127.0.0.1 (loopback); add it to serve.alerts.allow_private"))
    }
}
