import Foundation

/// Pure judgements of the local check kinds over facts the probes gathered.
public enum LocalEvaluators {
    public static func service(_ e: ServiceExpectation, _ unit: UnitFacts?) -> Verdict {
        guard let unit, unit.loadState != "not-found" else {
            return .fail(expected: "\(e.unit) loaded", found: "not found", "\(e.unit) is not a unit systemd knows")
        }
        var parts: [Verdict] = []
        if let active = e.active {
            let isActive = unit.activeState == "active"
            parts.append(isActive == active ? .pass(expected: active ? "active" : "inactive", found: unit.activeState)
                : .fail(expected: active ? "active" : "inactive", found: "\(unit.activeState) (\(unit.subState))",
                        "\(unit.shortName) is \(unit.activeState); see `journalctl -u \(unit.name) -n 50`"))
        }
        if let enabled = e.enabled {
            let isEnabled = unit.unitFileState == "enabled" || unit.unitFileState == "enabled-runtime"
            parts.append(isEnabled == enabled ? .pass(expected: enabled ? "enabled" : "disabled", found: unit.unitFileState)
                : .fail(.warning, expected: enabled ? "enabled" : "disabled", found: unit.unitFileState,
                        "\(unit.shortName) is \(unit.unitFileState.isEmpty ? "not enabled" : unit.unitFileState) at boot"))
        }
        if let sub = e.subState {
            parts.append(unit.subState == sub ? .pass(expected: sub, found: unit.subState)
                : .fail(expected: "sub-state \(sub)", found: unit.subState, "\(unit.shortName) is \(unit.subState), not \(sub)"))
        }
        if let max = e.maxRestarts {
            parts.append(unit.nRestarts <= max ? .pass(expected: "≤ \(max) restarts", found: "\(unit.nRestarts)")
                : .fail(.warning, expected: "≤ \(max) restarts", found: "\(unit.nRestarts)", "\(unit.shortName) restarted \(unit.nRestarts) times"))
        }
        if let user = e.user {
            let actual = unit.runsAsRoot ? "root" : unit.user
            parts.append(actual == user ? .pass(expected: "user \(user)", found: actual)
                : .fail(.warning, expected: "user \(user)", found: actual, "\(unit.shortName) runs as \(actual)"))
        }
        return Verdict.all(parts)
    }

    /// The service's containers as `docker container inspect` shows them (a scaled service has several: each must run).
    public static func container(_ e: ContainerExpectation, _ containers: [ComposeFacts.Service]) -> Verdict {
        let label = "\(e.project)/\(e.service)"
        guard !containers.isEmpty else {
            return .fail(expected: "\(label) running", found: "no container", "no container of service \(e.service) in compose project \(e.project): `docker compose -p \(e.project) up -d \(e.service)`")
        }
        return Verdict.all(containers.flatMap { c -> [Verdict] in
            var parts: [Verdict] = []
            let running = c.status == "running"
            parts.append(running ? .pass(expected: "running", found: c.status)
                : .fail(expected: "running", found: "\(c.status), exit code \(c.exitCode)\(c.oomKilled ? ", OOMKilled" : "")",
                        "\(c.container) is \(c.status); see `docker logs --tail 50 \(c.container)`"))
            if running, let health = c.health {
                parts.append(health == "healthy" ? .pass(expected: "healthy", found: health)
                    : .fail(health == "starting" ? .warning : .critical, expected: "healthy", found: health,
                            "\(c.container)'s healthcheck says \(health)" + (c.healthLog.map { " (\($0))" } ?? "")))
            }
            if let max = e.maxRestarts {
                parts.append(c.restartCount <= max ? .pass(expected: "≤ \(max) restarts", found: "\(c.restartCount)")
                    : .fail(.warning, expected: "≤ \(max) restarts", found: "\(c.restartCount)", "\(c.container) restarted \(c.restartCount) times"))
            }
            return parts
        })
    }

    public static func port(_ e: PortExpectation, _ sockets: [ListeningSocket]) -> Verdict {
        let protos: Set<ListeningSocket.Proto> = e.udp ? [.udp, .udp6] : [.tcp, .tcp6]
        let onPort = sockets.filter { $0.port == e.port && protos.contains($0.proto) }
        let what = "\(e.address ?? "*"):\(e.port)\(e.udp ? "/udp" : "")"
        if !e.listening {
            return onPort.isEmpty ? .pass(expected: "nothing on \(what)", found: "nothing")
                : .fail(expected: "nothing on \(what)", found: onPort.map(\.endpoint).joined(separator: ", "), "port \(e.port) is open")
        }
        guard !onPort.isEmpty else {
            return .fail(expected: "listening on \(what)", found: "nothing listening", "nothing listens on port \(e.port)")
        }
        var parts: [Verdict] = []
        if let address = e.address {
            parts.append(onPort.contains { $0.address == address } ? .pass(expected: what, found: what)
                : .fail(expected: what, found: onPort.map(\.endpoint).joined(separator: ", "),
                        "port \(e.port) listens on \(onPort.map(\.address).joined(separator: ", ")), not \(address)"))
        } else {
            parts.append(.pass(expected: what, found: onPort.map(\.endpoint).joined(separator: ", ")))
        }
        if let unit = e.ownerUnit {
            let owners = onPort.compactMap(\.unit)
            parts.append(owners.contains(unit) ? .pass(expected: "owned by \(unit)", found: unit)
                : .fail(expected: "owned by \(unit)", found: owners.first ?? "unknown owner", "port \(e.port) is held by \(owners.first ?? "another process")"))
        }
        if let process = e.ownerProcess {
            let owners = onPort.compactMap(\.process)
            parts.append(owners.contains(process) ? .pass(expected: "process \(process)", found: process)
                : .fail(expected: "process \(process)", found: owners.first ?? "unknown", "port \(e.port) is held by \(owners.first ?? "an unknown process")"))
        }
        return Verdict.all(parts)
    }

    /// What the file probe saw: nil content when the file is not read (no `contains` asked) or unreadable.
    public struct FileObservation: Sendable, Equatable {
        public var exists: Bool
        public var mode: Int
        public var owner: String
        public var group: String
        public var content: String?
        public init(exists: Bool, mode: Int = 0, owner: String = "", group: String = "", content: String? = nil) {
            self.exists = exists
            self.mode = mode
            self.owner = owner
            self.group = group
            self.content = content
        }
    }

    public static func file(_ e: FileExpectation, _ o: FileObservation) -> Verdict {
        guard e.exists else {
            return o.exists ? .fail(expected: "absent", found: "present", "\(e.path) exists") : .pass(expected: "absent", found: "absent")
        }
        guard o.exists else { return .fail(expected: "present", found: "absent", "\(e.path) does not exist") }
        var parts: [Verdict] = [.pass(expected: "present", found: "present")]
        if let mode = e.mode {
            parts.append(o.mode == mode ? .pass(expected: FileMode.octal(mode), found: FileMode.octal(o.mode))
                : .fail(.warning, expected: "mode \(FileMode.octal(mode))", found: FileMode.octal(o.mode), "\(e.path) has mode \(FileMode.octal(o.mode))"))
        }
        if let owner = e.owner {
            parts.append(o.owner == owner ? .pass(expected: "owner \(owner)", found: o.owner)
                : .fail(.warning, expected: "owner \(owner)", found: o.owner, "\(e.path) is owned by \(o.owner)"))
        }
        if let group = e.group {
            parts.append(o.group == group ? .pass(expected: "group \(group)", found: o.group)
                : .fail(.warning, expected: "group \(group)", found: o.group, "\(e.path) belongs to group \(o.group)"))
        }
        for needle in e.contains {
            // The needle is the user's text; the file's content is never quoted back (it may be an env file).
            guard let content = o.content else { parts.append(.unknown(expected: "contains \(needle.debugDescription)", "\(e.path) could not be read")); continue }
            parts.append(content.contains(needle) ? .pass(expected: "contains \(needle.debugDescription)", found: "found")
                : .fail(expected: "contains \(needle.debugDescription)", found: "not found", "\(e.path) lacks \(needle.debugDescription)"))
        }
        return Verdict.all(parts)
    }

    public static func command(_ e: CommandExpectation, exitStatus: Int32, stdout: String) -> Verdict {
        var parts: [Verdict] = [exitStatus == e.exitStatus ? .pass(expected: "exit \(e.exitStatus)", found: "exit \(exitStatus)")
            : .fail(expected: "exit \(e.exitStatus)", found: "exit \(exitStatus)", "\(e.argv.first ?? "") exited \(exitStatus)")]
        for needle in e.stdoutContains {
            parts.append(stdout.contains(needle) ? .pass(expected: "stdout contains \(needle.debugDescription)", found: "found")
                : .fail(expected: "stdout contains \(needle.debugDescription)", found: Redactor.excerpt(stdout, limit: 80), "output lacks \(needle.debugDescription)"))
        }
        return Verdict.all(parts)
    }

    /// A value judged against warning and critical levels: critical at or above `critical`, warning at or above
    /// `warning`, pass below; `show` formats a level as the expectation reads.
    static func levels(_ value: Double, warning: Double, critical: Double, show: (Double) -> String, found: String, _ message: String) -> Verdict {
        if value >= critical { return .fail(.critical, expected: "< \(show(critical))", found: found, message) }
        if value >= warning { return .fail(.warning, expected: "< \(show(warning))", found: found, message) }
        return .pass(expected: "< \(show(warning))", found: found)
    }

    public static func disk(_ e: DiskExpectation, _ fs: FilesystemFacts) -> Verdict {
        let used = fs.usedPercent
        return levels(used, warning: e.warningPercent, critical: e.criticalPercent, show: Format.percent,
                      found: "\(Format.percent(used)) used, \(Format.bytes(fs.availableBytes)) free", "\(fs.mountPoint) is \(Format.percent(used)) full")
    }

    public static func memory(_ e: MemoryExpectation, _ m: MemoryFacts) -> Verdict {
        let used = m.usedPercent
        return levels(used, warning: e.warningPercent, critical: e.criticalPercent, show: Format.percent,
                      found: "\(Format.percent(used)) used, \(Format.bytes(m.availableBytes)) available", "memory is \(Format.percent(used)) in use")
    }

    public static func load(_ e: LoadExpectation, load: [Double], cpus: Int) -> Verdict {
        guard load.count >= 2 else { return .unknown(expected: "load", "/proc/loadavg gave no 5-minute load") }
        let perCPU = load[1] / Double(max(1, cpus))
        return levels(perCPU, warning: e.warningPerCPU, critical: e.criticalPerCPU, show: { "\(String(format2: $0)) per CPU" },
                      found: "\(String(format2: load[1])) on \(cpus) CPU (\(String(format2: perCPU)) per CPU)", "5-minute load is high")
    }

    public static func journal(_ e: JournalExpectation, errors: Int, matches: Int) -> Verdict {
        var parts: [Verdict] = []
        if let max = e.maxErrors {
            parts.append(errors <= max ? .pass(expected: "≤ \(max) errors in \(e.sinceMinutes)m", found: "\(errors)")
                : .fail(.warning, expected: "≤ \(max) errors in \(e.sinceMinutes)m", found: "\(errors)", "\(errors) error-level lines from \(e.unit)"))
        }
        if let pattern = e.pattern {
            parts.append(matches <= e.maxMatches ? .pass(expected: "≤ \(e.maxMatches) × /\(pattern)/", found: "\(matches)")
                : .fail(.warning, expected: "≤ \(e.maxMatches) × /\(pattern)/", found: "\(matches)", "\(matches) lines match /\(pattern)/ in \(e.unit)"))
        }
        return Verdict.all(parts)
    }
}
