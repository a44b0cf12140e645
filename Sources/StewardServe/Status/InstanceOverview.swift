import Foundation
import StewardCore
import StewardSystem

/// One app instance at a glance (issue 12: `GET /api/v1/status`, and the dashboard after it): the version it runs,
/// its last deploy, its last backup and whether that was proven by a restore, its open findings and its checks.
///
/// Pure: ``build(subjects:deploys:backups:findings:checks:)`` aggregates plain values the caller read (the history's
/// deploys, backups and open findings, the checks' latest states), so the API and a dashboard show the same thing
/// and the rules are tested without a daemon.
public struct InstanceOverview: Sendable, Equatable, Encodable {
    /// An instance as the manifest declares it, with what a finding about it may name: its label (`marb@prod`), its
    /// units, its directory and env file.
    public struct Subject: Sendable, Equatable {
        public var app: String
        /// "" for an app without instances (a single plain unit), as the state database records it.
        public var instance: String
        public var production: Bool
        public var units: [String]
        public var paths: [String]

        public init(app: String, instance: String, production: Bool = false, units: [String] = [], paths: [String] = []) {
            self.app = app
            self.instance = instance
            self.production = production
            self.units = units
            self.paths = paths
        }

        public var label: String { instance.isEmpty ? app : "\(app)@\(instance)" }

        /// Whether a finding's subject is about this instance: its label, one of its backup sources (`marb@prod/db`),
        /// one of its units (with or without `.service`), or a file under its directory or its env file. Findings
        /// about the host (`/`, `nginx`, `memory`) belong to no instance.
        public func owns(findingSubject subject: String) -> Bool {
            if subject == label || subject.hasPrefix(label + "/") { return true }
            if units.contains(where: { subject == $0 || subject + ".service" == $0 }) { return true }
            return paths.contains { subject == $0 || subject.hasPrefix($0.hasSuffix("/") ? $0 : $0 + "/") }
        }
    }

    /// The version running: what the newest successful deploy or rollback put in place.
    public struct Running: Sendable, Equatable, Encodable {
        public var ref: String
        public var commit: String
        public var deployID: Int64
        /// When that deploy finished.
        public var since: Date?
        enum CodingKeys: String, CodingKey { case ref, commit, deployID = "deploy_id", since }
    }

    public struct Deploy: Sendable, Equatable, Encodable {
        public var id: Int64
        /// `deploy` or `rollback`.
        public var kind: String
        public var ref: String
        public var commit: String
        /// running, succeeded, failed, rolled-back, rollback-failed, aborted.
        public var status: String
        public var operatorName: String
        public var startedAt: Date
        public var finishedAt: Date?
        enum CodingKeys: String, CodingKey {
            case id, kind, ref, commit, status
            case operatorName = "operator", startedAt = "started_at", finishedAt = "finished_at"
        }
    }

    public struct Backup: Sendable, Equatable, Encodable {
        public var id: Int64
        public var source: String
        public var createdAt: Date
        public var sizeBytes: Int64
        /// `verified` (its latest verification passed), `unverified` (never verified) or `verification-failed`.
        public var status: String
        /// Whether its latest verification passed.
        public var verified: Bool
        /// When a verification last passed.
        public var verifiedAt: Date?
        enum CodingKeys: String, CodingKey {
            case id, source, status, verified
            case createdAt = "created_at", sizeBytes = "size_bytes", verifiedAt = "verified_at"
        }
    }

    /// How many of the instance's checks are in each state; `pending` have not run yet.
    public struct CheckCounts: Sendable, Equatable, Encodable {
        public var pass = 0
        public var fail = 0
        public var unknown = 0
        public var pending = 0
    }

    /// A scheduled check's latest state: `pass`, `fail`, `unknown` or `pending`.
    public struct CheckState: Sendable, Equatable {
        public var app: String?
        public var instance: String?
        public var state: String

        public init(app: String?, instance: String?, state: String) {
            self.app = app
            self.instance = instance
            self.state = state
        }
    }

    public var app: String
    /// nil for an app without instances.
    public var instance: String?
    public var production: Bool
    public var running: Running?
    public var lastDeploy: Deploy?
    /// The instance's newest backup still in the catalog, of any source.
    public var lastBackup: Backup?
    /// The newest backup of each source, by source name.
    public var backups: [Backup]
    /// Whether the newest backup of every source is verified (false with no backup at all).
    public var verified: Bool
    public var openFindings: Int
    public var checks: CheckCounts

    enum CodingKeys: String, CodingKey {
        case app, instance, production, running, backups, verified, checks
        case lastDeploy = "last_deploy", lastBackup = "last_backup", openFindings = "open_findings"
    }

    /// The manifest's app instances, in its order: each declared instance, or the app itself when it has none.
    public static func subjects(_ manifest: Manifest) -> [Subject] {
        manifest.apps.flatMap { app -> [Subject] in
            let names: [(String, Bool)] = app.instances.isEmpty ? [("", false)] : app.instances.map { ($0.name, $0.production) }
            return names.map { name, production in
                let paths = [app.directory, app.envFile].compactMap { $0 }.map { app.resolve($0, instance: name) }
                return Subject(app: app.name, instance: name, production: production,
                               units: app.units(ofInstance: name.isEmpty ? nil : name) + (app.kind == .compose ? [] : [app.unitTemplate]), paths: paths)
            }
        }
    }

    /// One overview per subject, in their order, then one for each other instance that `deploys` or kept `backups`
    /// name (an app the manifest does not declare, found by zero-config), by label. `deploys` and `backups` may be
    /// of every instance (they are matched by app and instance); `findings` are the open ones; `checks`, every
    /// scheduled check (an app-wide check, without an instance, counts for each instance of its app).
    public static func build(subjects: [Subject], deploys: [HistoryDeploy], backups: [HistoryBackup], findings: [HistoryFinding],
                             checks: [CheckState]) -> [InstanceOverview] {
        var known = Set(subjects.map(\.label))
        let recorded = deploys.map { Subject(app: $0.app, instance: $0.instance) }
            + backups.filter { $0.removedAt == nil }.map { Subject(app: $0.app, instance: $0.instance) }
        let others = recorded.filter { known.insert($0.label).inserted }.sorted { $0.label < $1.label }
        return (subjects + others).map { subject in
            let mine = deploys.filter { $0.app == subject.app && $0.instance == subject.instance }.sorted { $0.id > $1.id }
            let kept = backups.filter { $0.app == subject.app && $0.instance == subject.instance && $0.removedAt == nil }
                .sorted { ($0.createdAt, $0.id) > ($1.createdAt, $1.id) }
            var seen = Set<String>()
            let newestPerSource = kept.filter { seen.insert($0.source).inserted }.sorted { $0.source < $1.source }.map(backup)
            var counts = CheckCounts()
            for check in checks where check.app == subject.app && (check.instance == nil || check.instance == subject.instance) {
                switch check.state {
                case "pass": counts.pass += 1
                case "fail": counts.fail += 1
                case "unknown": counts.unknown += 1
                default: counts.pending += 1
                }
            }
            return InstanceOverview(
                app: subject.app, instance: subject.instance.isEmpty ? nil : subject.instance, production: subject.production,
                running: mine.first { $0.status == DeployStatus.succeeded.rawValue }.map {
                    Running(ref: $0.ref, commit: $0.commit, deployID: $0.id, since: $0.finishedAt)
                },
                lastDeploy: mine.first.map {
                    Deploy(id: $0.id, kind: $0.kind, ref: $0.ref, commit: $0.commit, status: $0.status, operatorName: $0.operatorName,
                           startedAt: $0.startedAt, finishedAt: $0.finishedAt)
                },
                lastBackup: kept.first.map(backup), backups: newestPerSource,
                verified: !newestPerSource.isEmpty && newestPerSource.allSatisfy(\.verified),
                openFindings: findings.filter { subject.owns(findingSubject: $0.subject) }.count, checks: counts)
        }
    }

    static func backup(_ b: HistoryBackup) -> Backup {
        let status = switch b.lastVerificationPassed {
        case true?: "verified"
        case false?: "verification-failed"
        case nil: "unverified"
        }
        return Backup(id: b.id, source: b.source, createdAt: b.createdAt, sizeBytes: b.sizeBytes, status: status,
                      verified: b.lastVerificationPassed == true, verifiedAt: b.verifiedAt)
    }
}
