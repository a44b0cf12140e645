import Foundation
import StewardCore
import Testing

/// `serve.alerts` in the manifest: every channel kind, rules with their defaults, matching, escalation; and located
/// errors for a channel with no or two kinds, a key another kind owns, a rule naming a channel that does not exist,
/// and escalation steps out of order.
@Suite("Manifest serve.alerts")
struct ServeAlertsManifestTests {
    static let full = """
        serve:
          alerts:
            operation_grace: 10m
            deploy_window: 45m
            allow_private: [hooks.lan]
            channels:
              ops: {webhook: "https://hooks.lan/steward", secret: "/etc/steward/alerts.env#WEBHOOK_SECRET"}
              chat: {slack: "/etc/steward/alerts.env#SLACK_WEBHOOK_URL"}
              phone: {ntfy: "https://ntfy.sh/acme-ops", token: "/etc/steward/alerts.env#NTFY_TOKEN"}
              oncall: {email: [ops@example.com], from: steward@example.com}
              pager: {command: [/usr/local/bin/page, --urgent], user: nobody}
            rules:
              - name: checks
                match: {checks: ["*"], apps: [marb]}
                channels: [ops, chat]
                escalate: [{after: 15m, channels: [oncall]}, {after: 1h, channels: [pager]}]
                repeat: 4h
              - name: critical-findings
                match: {findings: critical}
                for_runs: 1
                resolve_runs: 2
                unknown: ignore
                severity: warning
                channels: phone
        """

    @Test func readsEveryChannelKindAndRule() throws {
        let alerts = try #require(ManifestFixture.manifest(Self.full)?.serve?.alerts, "\(ManifestFixture.errors(Self.full))")
        #expect(alerts.operationGrace == 600 && alerts.deployWindow == 2700 && alerts.allowPrivate == ["hooks.lan"])
        #expect(alerts.channels == [
            AlertChannel(name: "ops", kind: .webhook(url: "https://hooks.lan/steward", secret: SecretRef(file: "/etc/steward/alerts.env", key: "WEBHOOK_SECRET"))),
            AlertChannel(name: "chat", kind: .slack(url: SecretRef(file: "/etc/steward/alerts.env", key: "SLACK_WEBHOOK_URL"))),
            AlertChannel(name: "phone", kind: .ntfy(url: "https://ntfy.sh/acme-ops", token: SecretRef(file: "/etc/steward/alerts.env", key: "NTFY_TOKEN"))),
            AlertChannel(name: "oncall", kind: .email(to: ["ops@example.com"], from: "steward@example.com")),
            AlertChannel(name: "pager", kind: .command(argv: ["/usr/local/bin/page", "--urgent"], user: "nobody")),
        ])
        #expect(alerts.rules.count == 2)
        let checks = alerts.rules[0]
        #expect(checks.rule == AlertRule(id: "checks", repeatInterval: 4 * 3600, escalation: [
            .init(after: 0, channels: ["ops", "chat"]), .init(after: 900, channels: ["oncall"]), .init(after: 3600, channels: ["pager"]),
        ]))
        #expect(checks.rule.forRuns == 3 && checks.rule.resolveRuns == 1 && checks.rule.unknown == .bad)
        #expect(checks.match.covers(checkID: "api health", key: "marb@prod/api health", app: "marb"))
        #expect(!checks.match.covers(checkID: "disk /", key: "host/disk /", app: nil))
        #expect(!checks.match.covers(finding: .critical))
        let findings = alerts.rules[1]
        #expect(findings.rule == AlertRule(id: "critical-findings", forRuns: 1, resolveRuns: 2, escalation: [.init(after: 0, channels: ["phone"])],
                                           unknown: .ignore, severity: .warning))
        #expect(findings.match.covers(finding: .critical) && !findings.match.covers(finding: .warning))
        #expect(!findings.match.covers(checkID: "api health", key: "marb@prod/api health", app: "marb"))
    }

    @Test func absentAlertsMeanNoChannelsAndNoRules() throws {
        let alerts = try #require(ManifestFixture.manifest("serve: {port: 9000}\n")?.serve?.alerts)
        #expect(alerts == AlertsSpec())
        #expect(alerts.operationGrace == 300 && alerts.deployWindow == 1800)
    }

    @Test func mistakesAreLocated() {
        let yaml = """
            serve:
              alerts:
                channels:
                  both: {webhook: "https://a.example/x", email: [a@example.com]}
                  none: {from: a@example.com}
                  wrong: {email: [a@example.com], secret: "/etc/a.env#S"}
                  chat: {slack: "https://hooks.slack.com/services/T/B/X"}
                  ok: {webhook: "https://a.example/x"}
                rules:
                  - {name: checks, channels: [ok, pagerduty]}
                  - name: late
                    channels: [ok]
                    escalate: [{after: 30m, channels: [ok]}, {after: 10m, channels: [ok]}]
                  - channels: [ok]
                  - name: quiet
                  - {name: checks, channels: [ok]}
            """
        let errors = ManifestFixture.errors(yaml)
        #expect(errors.contains("steward.yml:4:13: serve.alerts.channels.both: a channel has one kind, got webhook and email"), "\(errors)")
        #expect(errors.contains("steward.yml:5:13: serve.alerts.channels.none: a channel needs one of webhook, slack, ntfy, email, command"), "\(errors)")
        #expect(errors.contains("steward.yml:6:39: serve.alerts.channels.wrong.secret: only a webhook channel takes secret"), "\(errors)")
        #expect(errors.contains { $0.hasPrefix("steward.yml:7:21: serve.alerts.channels.chat.slack:") }, "a Slack URL inline: \(errors)")
        #expect(errors.contains { $0.hasPrefix("steward.yml:13:50: serve.alerts.rules[1].escalate[1]: after must be later") }, "\(errors)")
        #expect(errors.contains { $0.contains("serve.alerts.rules[2]") && $0.contains("missing key \"name\"") }, "\(errors)")
        #expect(errors.contains { $0.contains("serve.alerts.rules[3]") && $0.contains("missing key \"channels\"") }, "\(errors)")
        #expect(errors.contains { $0.contains("serve.alerts.rules[4]: the rule name checks is already used by serve.alerts.rules[0]") }, "\(errors)")
        #expect(errors.contains { $0.hasPrefix("steward.yml:10:9: serve.alerts.rules[0]: channels names \"pagerduty\", which serve.alerts.channels does not have (it has ok)") }, "\(errors)")
    }
}
