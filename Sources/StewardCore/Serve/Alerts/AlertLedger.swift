import Foundation

/// The alerts the engine tracks, and how observations reach them: which rules cover a check run or an audit's
/// findings, one ``AlertMachine`` step per covering rule, pending streaks in memory, alerts from firing on carried
/// over a restart (loaded from the history). Pure, so the whole path from a check result to the notices it causes
/// is tested on a manual clock; the engine does the writing and the delivering.
public struct AlertLedger: Sendable {
    public let routes: [AlertRoute]
    /// Open alerts (pending ones too) by ``key(rule:subject:)``.
    private var open: [String: AlertRecord] = [:]

    /// A scheduled check as matching needs it: its id and app, by history key.
    public struct CheckRef: Sendable, Equatable {
        public var id: String
        public var app: String?
        public init(id: String, app: String?) {
            self.id = id
            self.app = app
        }
    }

    /// Starts from the history's open alerts. Those nothing would ever step again are returned closed in
    /// ``orphans``: their rule is gone, or no longer covers their check (not scheduled any more, or outside a
    /// narrowed `match`; known when `checks` is given) or findings, or their stored state is not an open one.
    public init(routes: [AlertRoute], open records: [AlertRecord], checks: [String: CheckRef]? = nil, now: Date) {
        self.routes = routes
        for record in records {
            var covered = record.state.phase == .firing || record.state.phase == .acknowledged
            if covered, let route = routes.first(where: { $0.rule.id == record.rule }) {
                if record.kind == "finding" {
                    covered = route.match.findings != nil
                } else if let checks {
                    covered = checks[record.subject].map { route.match.covers(checkID: $0.id, key: record.subject, app: $0.app) } ?? false
                }
            } else {
                covered = false
            }
            if !covered {
                var closed = record
                closed.state.phase = .resolved
                closed.state.resolvedAt = now
                orphans.append(closed)
            } else {
                open[Self.key(rule: record.rule, subject: record.subject)] = record
            }
        }
    }

    /// Alerts from the history that nothing covers any more, closed without a notice; the engine writes them.
    public private(set) var orphans: [AlertRecord] = []

    public static func key(rule: String, subject: String) -> String { rule + "\u{1F}" + subject }

    /// Every tracked alert (pending ones too), oldest first.
    public var records: [AlertRecord] {
        open.values.sorted { ($0.id ?? .max, $0.rule, $0.subject) < ($1.id ?? .max, $1.rule, $1.subject) }
    }

    public func record(id: Int64) -> AlertRecord? { open.values.first { $0.id == id } }

    /// One run of a check: a step for each rule that covers it.
    public mutating func observeCheck(id: String, key: String, app: String?, instance: String?, _ observation: AlertObservation,
                                      now: Date, silenced: (AlertRecord) -> Bool) -> [AlertChange] {
        routes.filter { $0.match.covers(checkID: id, key: key, app: app) }.compactMap { route in
            step(route.rule, subject: key, kind: "check", app: app, instance: instance, observation, now: now, silenced: silenced)
        }
    }

    /// One recorded audit: each finding a findings rule covers is a bad run of its alert; an alert of a finding the
    /// audit no longer reports gets a good run. Call it only for an audit whose probes all looked (a finding that
    /// was not looked for is missing, not resolved).
    public mutating func observeFindings(_ findings: [Finding], now: Date, silenced: (AlertRecord) -> Bool) -> [AlertChange] {
        var changes: [AlertChange] = []
        for route in routes where route.match.findings != nil {
            var seen = Set<String>()
            for finding in findings where route.match.covers(finding: finding.severity) {
                let subject = "\(finding.rule) \(finding.subject)"
                guard seen.insert(subject).inserted else { continue }
                let bad = AlertObservation.bad(summary: "\(finding.summary) (fix: \(finding.fix))", severity: finding.severity)
                if let change = step(route.rule, subject: subject, kind: "finding", app: nil, instance: nil, bad, now: now, silenced: silenced) {
                    changes.append(change)
                }
            }
            let gone = open.values.filter { $0.rule == route.rule.id && $0.kind == "finding" && !seen.contains($0.subject) }
                .sorted { $0.subject < $1.subject }
            for record in gone {
                if let change = step(route.rule, subject: record.subject, kind: "finding", app: nil, instance: nil, .good, now: now,
                                     silenced: silenced) {
                    changes.append(change)
                }
            }
        }
        return changes
    }

    /// Lets time pass for every firing alert (``AlertMachine/elapse(_:rule:now:silenced:)``): escalation and
    /// reminders come when they are due, not at the next run (a findings rule's next run is the next audit, maybe an
    /// hour away), and a notice a silence held back goes out as soon as the silence ends.
    public mutating func reassess(now: Date, silenced: (AlertRecord) -> Bool) -> [AlertChange] {
        let rules = Dictionary(routes.map { ($0.rule.id, $0.rule) }, uniquingKeysWith: { a, _ in a })
        var changes: [AlertChange] = []
        for var record in records where record.state.phase == .firing {
            guard let rule = rules[record.rule] else { continue }
            let (next, effects) = AlertMachine.elapse(record.state, rule: rule, now: now, silenced: silenced(record))
            record.state = next
            open[Self.key(rule: record.rule, subject: record.subject)] = record
            if !effects.isEmpty { changes.append(AlertChange(record: record, effects: effects, fired: false)) }
        }
        return changes
    }

    public enum AcknowledgeRefusal: Error, Equatable {
        case notFound
        /// Only a firing alert can be taken (an acknowledged one already is; a resolved one is over).
        case notFiring(AlertPhase)
        /// The engine is not running (stopping): nothing was decided.
        case unavailable
    }

    /// Someone takes alert `id`.
    public mutating func acknowledge(id: Int64, by who: String, now: Date) -> Result<AlertChange, AcknowledgeRefusal> {
        guard var record = record(id: id) else { return .failure(.notFound) }
        guard record.state.phase == .firing else { return .failure(.notFiring(record.state.phase)) }
        let (next, effects) = AlertMachine.acknowledge(record.state, by: who, now: now)
        record.state = next
        open[Self.key(rule: record.rule, subject: record.subject)] = record
        return .success(AlertChange(record: record, effects: effects, fired: false))
    }

    /// The id (and deploy) an alert got from its first write.
    public mutating func assign(id: Int64, deploy: AlertMessage.Deploy?, rule: String, subject: String) {
        let key = Self.key(rule: rule, subject: subject)
        open[key]?.id = id
        open[key]?.deploy = deploy
    }

    private mutating func step(_ rule: AlertRule, subject: String, kind: String, app: String?, instance: String?,
                               _ observation: AlertObservation, now: Date, silenced: (AlertRecord) -> Bool) -> AlertChange? {
        let key = Self.key(rule: rule.id, subject: subject)
        var record = open[key] ?? AlertRecord(rule: rule.id, subject: subject, kind: kind, app: app, instance: instance, state: AlertState())
        let before = record.state
        let (next, effects) = AlertMachine.step(before, observation, rule: rule, now: now, silenced: silenced(record))
        record.state = next
        switch next.phase {
        case .ok, .resolved: open[key] = nil
        case .pending, .firing, .acknowledged: open[key] = record
        }
        guard !effects.isEmpty else { return nil }
        return AlertChange(record: record, effects: effects, fired: before.phase != .firing && next.phase == .firing)
    }
}
