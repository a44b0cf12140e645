import Foundation
import Yams

/// `serve.alerts`: channels by name (exactly one kind each), rules (what they cover, when they fire and resolve,
/// who hears when), the grace after Steward's own operations and the window that names a deploy. Rules may name
/// only channels that exist; escalation steps come later and later.
extension ManifestSchema {
    static let alerts = Section<AlertsSpec>(fields: [
        Field("operation_grace", .duration, doc: "How long an instance stays silenced after a deploy, rollback, restore or backup ends.",
              default: .string("5m")) { _, _, _, spec, ms in spec.operationGrace = Double(ms) / 1000 },
        Field("deploy_window", .duration, doc: "An alert starting this soon after a deploy names that deploy and its rollback.",
              default: .string("30m")) { _, _, _, spec, ms in spec.deployWindow = Double(ms) / 1000 },
        Field("allow_private", .strings, \.allowPrivate,
              doc: "Webhook host names (exact) allowed to resolve to loopback or private addresses; metadata addresses never are."),
        Field("channels", .named { name in channelValue(name) }, doc: "Where notices go, by name.") { _, _, _, spec, entries in
            spec.channels = entries.compactMap(\.value)
        },
        // After channels (fields apply in this order), so a rule's channel names are checked against them.
        Field("rules", .list(rule, expected: "a list of rules like [{name: checks, channels: [ops]}]"),
              doc: "Which bad streaks become alerts, and who is told.") { reader, _, _, spec, items in
            let names = Set(spec.channels.map(\.name))
            let known = names.sorted().joined(separator: ", ")
            var ruleNames: [String: String] = [:]
            for item in items {
                // An alert is kept per rule and subject: two rules of one name would share (and overwrite) it.
                if let earlier = ruleNames[item.value.rule.id] {
                    reader.report(item.node, item.path, "the rule name \(item.value.rule.id) is already used by \(earlier)")
                }
                ruleNames[item.value.rule.id] = ruleNames[item.value.rule.id] ?? item.path
                for (step, escalation) in item.value.rule.escalation.enumerated() {
                    for channel in escalation.channels where !names.contains(channel) {
                        reader.report(item.node, item.path, "\(step == 0 ? "channels" : "escalate") names \"\(channel)\", which "
                                      + "serve.alerts.channels does not have" + (known.isEmpty ? "" : " (it has \(known))"))
                    }
                }
            }
            spec.rules = items.map(\.value)
        },
    ])

    // MARK: - Channels

    struct ChannelDraft {
        var webhook: String?
        var slack: SecretRef?
        var ntfy: String?
        var email: [String]?
        var command: [String]?
        var secret: SecretRef?
        var token: SecretRef?
        var from: String?
        var user: String?
    }

    static let channelKinds = ["webhook", "slack", "ntfy", "email", "command"]

    static func channelValue(_ name: String) -> ValueType<AlertChannel> {
        ValueType<AlertChannel>(schema: .section(channelSection.tree), read: { reader, node, path in
            var draft = ChannelDraft()
            let before = reader.errors.count
            guard channelSection.read(node, path, into: &draft, &reader), reader.errors.count == before else { return nil }
            let kind: AlertChannel.Kind
            if let url = draft.webhook { kind = .webhook(url: url, secret: draft.secret) }
            else if let url = draft.slack { kind = .slack(url: url) }
            else if let url = draft.ntfy { kind = .ntfy(url: url, token: draft.token) }
            else if let to = draft.email { kind = .email(to: to, from: draft.from) }
            else if let argv = draft.command { kind = .command(argv: argv, user: draft.user) }
            else { return nil }
            return AlertChannel(name: name, kind: kind)
        })
    }

    static let channelSection = Section<ChannelDraft>(fields: [
        Field("webhook", .httpURL, \.webhook, doc: "POST the notice as JSON to this URL (signed with secret when given)."),
        Field("slack", .reference(example: "/etc/steward/alerts.env#SLACK_WEBHOOK_URL"), \.slack,
              doc: "A Slack-compatible webhook; the URL is a secret, so it is a reference to an env file variable."),
        Field("ntfy", .httpURL, \.ntfy, doc: "POST the text to this ntfy topic URL."),
        Field("email", .strings, \.email, doc: "Addresses to mail through the host's sendmail (msmtp-mta, postfix)."),
        Field("command", .argv, \.command, doc: "An argv that gets the notice as JSON on stdin (never a shell)."),
        Field("secret", .reference(example: "/etc/steward/alerts.env#WEBHOOK_SECRET"), \.secret,
              doc: "webhook: the HMAC-SHA256 key of X-Steward-Signature."),
        Field("token", .reference(example: "/etc/steward/alerts.env#NTFY_TOKEN"), \.token, doc: "ntfy: an access token."),
        Field("from", .string, \.from, doc: "email: the From address (default: steward@ the host's name)."),
        Field("user", .accountName("user"), \.user, doc: "command: the account it runs as (default root)."),
    ], exactlyOneOf: channelKinds, finish: { reader, place, present, _, path, _ in
        let kinds = channelKinds.filter { present[$0] != nil }
        guard kinds.count == 1 else {
            reader.report(place, path, kinds.isEmpty ? "a channel needs one of \(channelKinds.joined(separator: ", "))"
                                                     : "a channel has one kind, got \(kinds.joined(separator: " and "))")
            return
        }
        let owners = ["secret": "webhook", "token": "ntfy", "from": "email", "user": "command"]
        for (key, owner) in owners.sorted(by: { $0.key < $1.key }) where present[key] != nil && kinds[0] != owner {
            reader.report(present[key]!.key, ManifestReader.join(path, key), "only a \(owner) channel takes \(key)")
        }
    })

    // MARK: - Rules

    struct RuleDraft {
        var name: String?
        var match = AlertMatch()
        var forRuns: Int?
        var forMs: Int = 0
        var resolveRuns = 1
        var unknown = AlertRule.UnknownPolicy.bad
        var repeatMs: Int?
        var channels: [String] = []
        var escalate: [AlertRule.EscalationStep] = []
        var severity: Severity?
    }

    static let rule = ValueType<AlertRoute>(schema: .section(ruleSection.tree), read: { reader, node, path in
        var draft = RuleDraft()
        let before = reader.errors.count
        guard ruleSection.read(node, path, into: &draft, &reader), reader.errors.count == before, let name = draft.name else { return nil }
        let rule = AlertRule(id: name, forRuns: draft.forRuns, forDuration: Double(draft.forMs) / 1000, resolveRuns: draft.resolveRuns,
                             repeatInterval: draft.repeatMs.map { Double($0) / 1000 },
                             escalation: [.init(after: 0, channels: draft.channels)] + draft.escalate, unknown: draft.unknown,
                             severity: draft.severity)
        return AlertRoute(rule: rule, match: draft.match)
    })

    static let ruleSection = Section<RuleDraft>(fields: [
        Field("name", .string.checked { ManifestReader.isValidName($0) ? nil : "invalid rule name; \(ManifestReader.nameRule)" },
              doc: "The rule's name, as alerts and the API show it.", required: "a name like checks") { _, _, _, draft, name in draft.name = name },
        Field("match", .section(matchSection, AlertMatch()), \.match, doc: "What the rule covers; every check by default."),
        Field("for_runs", .integer(1...1000), doc: "Bad runs in a row before it fires (default 3, or 1 with only for).") { _, _, _, d, n in d.forRuns = n },
        Field("for", .duration, doc: "How long the bad streak must last; with for_runs, the later of the two.") { _, _, _, d, ms in d.forMs = ms },
        Field("resolve_runs", .integer(1...1000), \.resolveRuns, doc: "Good runs in a row that resolve it (default 1).", in: RuleDraft()),
        Field("unknown", .choice, \.unknown, doc: "What an unknown result counts as: bad (default) or ignore.", in: RuleDraft()),
        Field("repeat", .duration, doc: "Remind every this long while firing and unacknowledged.") { _, _, _, d, ms in d.repeatMs = ms },
        Field("channels", .strings, \.channels, doc: "Who is told when it fires.", required: "the channels to tell, like [ops]"),
        Field("escalate", .list(escalation, expected: "a list like [{after: 15m, channels: [oncall]}]"),
              doc: "Later steps: told when it is still unacknowledged after each `after`.") { reader, _, _, draft, items in
            var last: TimeInterval = 0
            for item in items {
                if item.value.after <= last {
                    reader.report(item.node, item.path, "after must be later than the step before it")
                }
                last = max(last, item.value.after)
                draft.escalate.append(item.value)
            }
        },
        Field("severity", .choice, \.severity, doc: "The severity its alerts carry instead of the check's or finding's."),
    ])

    static let matchSection = Section<AlertMatch>(fields: [
        Field("checks", .strings, \.checks, doc: "Globs on check ids or keys (app@instance/id).", in: AlertMatch()),
        Field("apps", .strings, \.apps, doc: "Globs on the check's app.", in: AlertMatch()),
        Field("findings", .choice, \.findings, doc: "Audit findings at or above this severity instead of checks."),
    ])

    struct StepDraft {
        var afterMs: Int?
        var channels: [String] = []
    }

    static let escalation = ValueType<AlertRule.EscalationStep>(schema: .section(stepSection.tree), read: { reader, node, path in
        var draft = StepDraft()
        let before = reader.errors.count
        guard stepSection.read(node, path, into: &draft, &reader), reader.errors.count == before, let after = draft.afterMs else { return nil }
        return AlertRule.EscalationStep(after: Double(after) / 1000, channels: draft.channels)
    })

    static let stepSection = Section<StepDraft>(fields: [
        Field("after", .duration, doc: "How long after firing, unacknowledged.", required: "how long after firing, like 15m") { _, _, _, d, ms in
            d.afterMs = ms
        },
        Field("channels", .strings, \.channels, doc: "Who is told then.", required: "the channels to tell, like [oncall]"),
    ])
}
