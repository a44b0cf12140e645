import Foundation
import StewardCore
import StewardSystem

/// The overview's data, gathered per request (nothing is cached: the daemon's memory target is 32 MiB) from the
/// live state, the history (daily rollups for the uptime bars, 5-minute buckets of the last day for the sparklines,
/// the deploys, backups and findings it mirrors) and the alert engine. Kept apart from `/api/v1/status` on purpose:
/// the API's per-instance document is being built elsewhere, and this file can move onto it later.
enum DashboardOverview {
    /// The sparkline's span.
    static let recent: TimeInterval = 24 * 3600

    struct Gathered: Sendable {
        var daily: [String: [HistoryPoint]] = [:]
        var recent: [String: [HistoryPoint]] = [:]
        var deploys: [String: [HistoryDeploy]] = [:]
        var backups: [String: [HistoryBackup]] = [:]
        var findings: [HistoryFinding] = []
    }

    static func instances(_ state: ServeRouteState, canOperate: Bool) async throws -> [DashboardViews.Instance] {
        let now = state.now()
        let entries = state.live.snapshot()
        var order: [String] = []
        var groups: [String: [LiveState.Entry]] = [:]
        for entry in entries {
            let target = target(entry.check.spec.app, entry.check.spec.instance)
            if groups[target] == nil { order.append(target) }
            groups[target, default: []].append(entry)
        }
        let keys = entries.map(\.check.key)
        let apps = Set(entries.compactMap { e in e.check.spec.app.map { AppInstance(app: $0, instance: e.check.spec.instance) } })
        let gathered = try await state.history?.run { store in
            var g = Gathered()
            g.daily = try store.series(checks: keys, from: now.addingTimeInterval(-Double(UptimeBar.days) * 86_400), to: now,
                                       resolution: .daily)
            g.recent = try store.series(checks: keys, from: now.addingTimeInterval(-recent), to: now, resolution: .fiveMinutes)
            for app in apps {
                // The sparkline's markers (the deploys of its day) and the version and last deploy (the newest ones,
                // however old), not every deploy since the first.
                let marked = try store.deploys(app: app.app, instance: app.instance, from: now.addingTimeInterval(-recent),
                                               to: now.addingTimeInterval(1))
                let latest = try store.latestDeploys(app: app.app, instance: app.instance)
                var seen = Set<Int64>()
                g.deploys[app.name] = (latest + marked).filter { seen.insert($0.id).inserted }.sorted { ($0.startedAt, $0.id) < ($1.startedAt, $1.id) }
                g.backups[app.name] = try store.keptBackups(app: app.app, instance: app.instance)
            }
            g.findings = try store.openFindings()
            return g
        } ?? Gathered()
        let alerts = try await openAlerts(state)
        return order.map { target in
            let checks = groups[target] ?? []
            let first = checks.first?.check.spec
            let app = first?.app, instance = first?.instance
            let deploys = gathered.deploys[target] ?? []
            let markers = deploys.map {
                LatencySparkline.Marker(id: $0.id, ref: $0.ref, operatorName: $0.operatorName, kind: $0.kind, status: $0.status, at: $0.startedAt)
            }
            let checkViews = checks.map { entry in
                let daily = gathered.daily[entry.check.key] ?? []
                return DashboardViews.Check(
                    key: entry.check.key, id: entry.check.spec.id, state: entry.status?.rawValue ?? "pending", message: entry.message,
                    latency: entry.latencyMs.map { "\(SVGText.number($0)) ms" }, lastRun: DashboardViews.time(entry.at),
                    uptime: UptimeBar.availability(daily).map { UptimeBar.percent($0) + " up over 90 days" } ?? "no data yet",
                    uptimeSVG: UptimeBar.svg(daily, now: now),
                    sparklineSVG: LatencySparkline.svg(gathered.recent[entry.check.key] ?? [], from: now.addingTimeInterval(-recent), to: now,
                                                       markers: markers))
            }
            let backup = (gathered.backups[target] ?? []).first { $0.removedAt == nil }
            let own = alerts.filter { ($0.target ?? "host") == target }
            let probe = AlertRecord(rule: "", subject: "", kind: "check", app: app, instance: instance, state: AlertState())
            return DashboardViews.Instance(
                target: target, status: worst(checkViews.map(\.state)), isApp: app != nil,
                version: deploys.last { $0.status == DeployStatus.succeeded.rawValue }?.ref,
                lastDeploy: deploys.last.map(describe),
                lastBackup: backup.map { "#\($0.id) \($0.kind) \(SVGText.minute($0.createdAt)), \(bytes($0.sizeBytes))" },
                verification: backup.map(verification),
                verificationFailed: backup?.lastVerificationPassed == false,
                openFindings: app.map { app in gathered.findings.filter { concerns($0.subject, app: app, instance: instance) }.count }
                    ?? gathered.findings.count,
                silenced: app == nil ? nil : state.alerts?.silenceReason(for: probe),
                alerts: own.map { DashboardViews.alert($0, silenced: state.alerts?.silenceReason(for: $0), canOperate: canOperate) },
                hasAlerts: !own.isEmpty, checks: checkViews)
        }
    }

    /// Open alerts: the engine's (pending streaks too), else the history's.
    static func openAlerts(_ state: ServeRouteState) async throws -> [AlertRecord] {
        if let engine = state.alerts {
            return engine.trackedAlerts().filter { $0.state.phase != .ok && $0.state.phase != .resolved }
        }
        return try await state.history?.run { try $0.openAlerts() } ?? []
    }

    struct AppInstance: Hashable, Sendable {
        var app: String
        var instance: String?
        var name: String { DashboardOverview.target(app, instance) }
    }

    static func target(_ app: String?, _ instance: String?) -> String {
        guard let app else { return "host" }
        return instance.map { "\(app)@\($0)" } ?? app
    }

    /// fail, then unknown, then pending, else pass.
    static func worst(_ states: [String]) -> String {
        for state in ["fail", "unknown", "pending"] where states.contains(state) { return state }
        return states.isEmpty ? "pending" : "pass"
    }

    /// `#12 deploy v1.4.2 by alice, succeeded, 2025-12-01 23:40 UTC`.
    static func describe(_ d: HistoryDeploy) -> String {
        "#\(d.id) \(d.kind) \(d.ref) by \(d.operatorName), \(d.status), \(SVGText.minute(d.startedAt))"
    }

    static func verification(_ b: HistoryBackup) -> String {
        guard let at = b.verifiedAt else { return "not verified" }
        return (b.lastVerificationPassed == false ? "verification FAILED " : "verified ") + SVGText.minute(at)
    }

    static func bytes(_ n: Int64) -> String {
        n >= 1 << 30 ? "\(SVGText.number(Double(n) / Double(1 << 30))) GiB"
            : n >= 1 << 20 ? "\(SVGText.number(Double(n) / Double(1 << 20))) MiB"
            : n >= 1 << 10 ? "\(SVGText.number(Double(n) / 1024)) KiB" : "\(n) B"
    }

    /// Findings are the host's (the audit names units, files, ports); one concerns an instance when its subject
    /// names it (`marb@prod`) or the app as a word of its own (`marb.service`, `/srv/marb/.env`).
    static func concerns(_ subject: String, app: String, instance: String?) -> Bool {
        if let instance, subject.contains("\(app)@\(instance)") { return true }
        return subject.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "_" || $0 == "-") }).contains { $0 == app }
    }
}
