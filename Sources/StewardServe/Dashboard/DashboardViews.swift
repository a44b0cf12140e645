import Foundation
import StewardCore
import StewardSystem

/// What the dashboard's templates show, as plain values (mustache reads them by property name and escapes every
/// one; only the `…SVG` properties, made by the escaping SVG renderers, are inserted as markup).
enum DashboardViews {
    /// The parts of every page: who is logged in, whether they may change things, the CSRF token their forms carry.
    struct Chrome {
        var title: String
        var loggedIn: Bool
        var user: String
        var canOperate: Bool
        var csrf: String
        var generatedAt: String
        var navOverview = false, navAlerts = false, navFindings = false
    }

    /// The chrome of a page for `session` (nil: an error shown to someone not logged in).
    static func chrome(_ title: String, _ session: DashboardSessionTable.Session?, now: Date) -> Chrome {
        Chrome(title: title, loggedIn: session != nil, user: session?.name ?? "",
               canOperate: session.map { TokenScope.operate.isGranted(by: $0.scopes) } ?? false, csrf: session?.csrf ?? "",
               generatedAt: SVGText.minute(now))
    }

    struct OverviewPage {
        var chrome: Chrome
        var instances: [Instance]
        /// The other hosts `serve.fleet` watches.
        var hosts: [Host] = []
        /// Stored, not computed: the templates see stored properties only.
        var hasHosts: Bool

        init(chrome: Chrome, instances: [Instance], hosts: [Host] = []) {
            self.chrome = chrome
            self.instances = instances
            self.hosts = hosts
            hasHosts = !hosts.isEmpty
        }
    }

    /// A watched host as its last round saw it.
    struct Host {
        struct Check { var id: String; var key: String; var state: String; var message: String; var latency: String }
        var name: String
        var destination: String
        var state: String
        var reason: String?
        var polledAt: String?
        var checks: [Check]
        var hasChecks: Bool

        init(_ view: HostView) {
            name = view.name
            destination = view.destination
            state = view.state
            reason = view.reason
            polledAt = view.polledAt.map { ISO8601DateFormatter().string(from: $0) }
            checks = view.checks.map {
                Check(id: $0.key, key: HostView.historyKey(host: view.name, check: $0.key), state: $0.status.rawValue, message: $0.message,
                      latency: String(format: "%.0f ms", $0.latencyMs))
            }
            hasChecks = !checks.isEmpty
        }
    }
    struct AlertsPage { var chrome: Chrome; var error: String?; var open: [Alert]; var silences: [Silence]; var recent: [Alert] }
    struct FindingsPage { var chrome: Chrome; var findings: [Finding] }
    struct LoginPage { var error: String? }
    struct MessagePage { var chrome: Chrome; var heading: String; var text: String }

    struct Instance {
        var target: String
        /// Worst check state: fail, unknown, pending or pass.
        var status: String
        var isApp: Bool
        var version: String?
        var lastDeploy: String?
        var lastBackup: String?
        var verification: String?
        var verificationFailed: Bool
        var openFindings: Int
        var silenced: String?
        var alerts: [Alert]
        var hasAlerts: Bool
        var checks: [Check]
    }

    struct Check {
        var key: String
        var id: String
        var state: String
        var message: String?
        var latency: String?
        var lastRun: String?
        var uptime: String
        var uptimeSVG: String
        var sparklineSVG: String
    }

    struct Alert {
        var id: Int64?
        var rule: String
        var subject: String
        var target: String
        var phase: String
        var severity: String
        var summary: String
        var since: String?
        var acknowledgedBy: String?
        /// Not `silenced`: mustache looks a nil field up again in the enclosing instance, whose `silenced` would
        /// then show under an alert that is not silenced.
        var alertSilenced: String?
        var deploySentence: String?
        var rollback: String?
        var canAck: Bool
    }

    struct Silence {
        var id: Int64
        var covers: String
        var reason: String
        var createdBy: String
        var endsAt: String
    }

    struct Finding {
        var rule: String
        var subject: String
        var severity: String
        var summary: String
        var evidence: [String]
        var hasEvidence: Bool
        var fix: String
        var firstSeen: String
        var lastSeen: String
    }

    static func time(_ date: Date?) -> String? { date.map(SVGText.minute) }

    static func alert(_ record: AlertRecord, silenced: String?, canOperate: Bool) -> Alert {
        let since = record.state.since ?? record.state.firedAt
        var view = Alert(id: record.id, rule: record.rule, subject: record.subject, target: record.target ?? "host",
                         phase: record.state.phase.rawValue, severity: record.state.severity.rawValue, summary: record.state.summary,
                         since: time(since), acknowledgedBy: record.state.acknowledgedBy, alertSilenced: silenced,
                         deploySentence: nil, rollback: nil, canAck: canOperate && record.id != nil && record.state.phase == .firing)
        if let deploy = record.deploy {
            view.deploySentence = DeployAttribution.sentence(deploy, since: since ?? deploy.startedAt)
            view.rollback = deploy.rollback
        }
        if record.state.phase == .pending { view.summary += " (pending: \(record.state.badRuns) bad runs so far)" }
        return view
    }

    static func silence(_ record: SilenceRecord) -> Silence {
        var covers = record.app.map { app in record.instance.map { "\(app)@\($0)" } ?? app } ?? "the whole host"
        if let subject = record.subject { covers += " / \(subject)" }
        return Silence(id: record.id ?? 0, covers: covers, reason: record.reason, createdBy: record.createdBy,
                       endsAt: SVGText.minute(record.endsAt))
    }

    static func finding(_ f: HistoryFinding) -> Finding {
        Finding(rule: f.rule, subject: f.subject, severity: f.severity.rawValue, summary: f.summary, evidence: f.evidence, hasEvidence: !f.evidence.isEmpty, fix: f.fix,
                firstSeen: SVGText.minute(f.firstSeen), lastSeen: SVGText.minute(f.lastSeen))
    }
}
