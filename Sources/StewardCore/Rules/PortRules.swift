/// Rules about configured ports versus the sockets that actually listen.
enum PortRules {
    static let all = [conflict, publicBind, notListening, mismatch]

    static func listeners(_ ctx: AuditContext, port: Int) -> [ListeningSocket] {
        (ctx.facts.sockets ?? []).filter { $0.port == port && ($0.proto == .tcp || $0.proto == .tcp6) }
    }

    static let conflict: Rule = Rule(
        id: "ports.conflict", severity: .critical,
        rationale: "Two instances set to one port: the second to start fails to bind, or answers for the other."
    ) { ctx in
        var findings: [Finding] = []
        let withPort = ctx.inventory.apps.filter { $0.port != nil }
        // Same port configured twice: report the instance that would lose (the inactive one, else the later one).
        let byPort = Dictionary(grouping: withPort, by: { $0.port! })
        for (port, instances) in byPort.sorted(by: { $0.key < $1.key }) where instances.count > 1 {
            let owner = instances.first { ctx.facts.unit($0.unit)?.isActive == true } ?? instances[0]
            for other in instances where other.unit != owner.unit {
                let active = ctx.facts.unit(other.unit)?.isActive == true
                findings.append(conflict.finding(
                    active ? .critical : .warning,
                    subject: other.label,
                    summary: "\(other.label) is configured for port \(port), which \(owner.label) uses too",
                    evidence: [
                        "\(owner.label): port \(port) (\(owner.portSource ?? "configured"))",
                        "\(other.label): port \(port) (\(other.portSource ?? "configured"))",
                    ],
                    fix: "Give \(other.label) its own port: edit \(other.portSource?.replacingPrefix("PORT in ", with: "") ?? "its configuration") (e.g. PORT=\(port + 1)), then `systemctl restart \(other.unit)` when it runs."))
            }
        }
        // A configured port held by a process of another unit.
        guard ctx.facts.sockets != nil else { return findings }
        for instance in withPort {
            let port = instance.port!
            let mainPID = ctx.facts.unit(instance.unit)?.mainPID ?? 0
            for socket in listeners(ctx, port: port) {
                // The owner is another unit, or a process outside any service (started by hand, a login session).
                let owner: String
                if let unit = socket.unit {
                    guard unit != instance.unit else { continue }
                    if ctx.inventory.instance(unit: unit)?.port == port { continue }  // reported above
                    owner = unit
                } else if let pid = socket.pid, pid != mainPID {
                    owner = "\(socket.process ?? "a process") (pid \(pid), not a service)"
                } else {
                    continue
                }
                findings.append(conflict.finding(
                    subject: instance.label,
                    summary: "Port \(port) of \(instance.label) is held by \(owner)",
                    evidence: ["\(socket.endpoint) owned by pid \(socket.pid.map(String.init) ?? "?") \(socket.process ?? "") (\(socket.unit ?? "no unit"))"],
                    fix: (socket.unit.map { "Stop the other service (`systemctl stop \($0)`)" } ?? "Stop the other process (`kill \(socket.pid ?? 0)`)")
                        + " or move one of them to a free port; check with `ss -lntp 'sport = :\(port)'`."))
            }
        }
        return findings
    }

    /// Whether something fronts an instance: nginx proxies to its port, a tunnel forwards to it, or a tunnel
    /// instance of the same name exists whose targets are unknown (like N1's `calb-ngrok@prod`).
    static func fronts(_ ctx: AuditContext, _ instance: Inventory.Instance) -> String? {
        guard let port = instance.port else { return nil }
        if let nginx = ctx.facts.nginx {
            for site in nginx.sites {
                for location in site.locations where location.upstreamIsLocal && location.upstream?.port == port {
                    return "nginx \(site.file) proxies \(location.path) to \(location.proxyPass ?? "")"
                }
            }
        }
        for config in ctx.facts.ngrok where config.tunnelPorts.contains(port) {
            return "ngrok (\(config.path)) forwards to port \(port)"
        }
        for tunnel in ctx.inventory.tunnels where !instance.name.isEmpty && tunnel.name == instance.name {
            let configs = ctx.facts.ngrok.filter { $0.units.contains(tunnel.unit) }
            if configs.allSatisfy({ $0.tunnelPorts.isEmpty }) {
                return "tunnel \(tunnel.label) serves instance \(instance.name)"
            }
        }
        return nil
    }

    static let publicBind: Rule = Rule(
        id: "ports.public-bind", severity: .warning,
        rationale: "An app behind nginx or a tunnel that also listens on all interfaces can be reached around its proxy."
    ) { ctx in
        guard ctx.facts.sockets != nil else { return [] }
        return ctx.inventory.apps.compactMap { instance in
            guard let port = instance.port, let front = fronts(ctx, instance) else { return nil }
            guard let socket = listeners(ctx, port: port).first(where: { $0.isWildcard && ($0.unit == nil || $0.unit == instance.unit) })
            else { return nil }
            return publicBind.finding(
                subject: instance.label,
                summary: "\(instance.label) listens on \(socket.endpoint), reachable without its proxy",
                evidence: ["\(socket.endpoint) owned by \(socket.process ?? "?") (pid \(socket.pid.map(String.init) ?? "?"))", "fronted by: \(front)"],
                fix: instance.kind == "streamlit"
                    ? "Bind to loopback: add `--server.address 127.0.0.1` to ExecStart (or `STREAMLIT_SERVER_ADDRESS=127.0.0.1` in the env file), then `systemctl restart \(instance.unit)`."
                    : "Bind to loopback: listen on 127.0.0.1:\(port) (uvicorn `--host 127.0.0.1`, gunicorn `-b 127.0.0.1:\(port)`), then `systemctl restart \(instance.unit)`; or firewall it (`ufw deny \(port)`).")
        }
    }

    static let notListening: Rule = Rule(
        id: "ports.not-listening", severity: .critical,
        rationale: "A running service that does not listen on its port is up but unusable."
    ) { ctx in
        guard ctx.facts.sockets != nil else { return [] }
        return ctx.inventory.apps.compactMap { instance in
            guard let port = instance.port, let unit = ctx.facts.unit(instance.unit), unit.isActive,
                  listeners(ctx, port: port).isEmpty else { return nil }
            return notListening.finding(
                instance.production ? .critical : .warning,
                subject: instance.label,
                summary: "\(instance.label) is active but nothing listens on port \(port)",
                evidence: ["configured: port \(port) (\(instance.portSource ?? "configured"))", "ActiveState=\(unit.activeState) SubState=\(unit.subState) MainPID=\(unit.mainPID)"],
                fix: "Check what it binds: `ss -lntp | grep \(unit.mainPID)` and `journalctl -u \(unit.name) -n 50 --no-pager`; align the port in ExecStart with the env file.")
        }
    }
}

extension PortRules {
    static let mismatch: Rule = Rule(
        id: "ports.mismatch", severity: .warning,
        rationale: "The manifest expects one port or address and the host is set up for another: proxies and checks aim wrong."
    ) { ctx in
        ctx.inventory.apps.compactMap { instance in
            var evidence: [String] = []
            if let expected = instance.expectedPort, let actual = instance.port, actual != expected {
                evidence.append("manifest expects port \(expected); configured: \(actual) (\(instance.portSource ?? "configured"))")
            }
            if let bind = instance.expectedBind, let port = instance.port, ctx.facts.sockets != nil {
                let bound = listeners(ctx, port: port).filter { $0.unit == nil || $0.unit == instance.unit }
                if let wrong = bound.first(where: { $0.address != bind }), !bound.contains(where: { $0.address == bind }) {
                    evidence.append("manifest expects \(bind):\(port); listening on \(wrong.endpoint)")
                }
            }
            guard !evidence.isEmpty else { return nil }
            return mismatch.finding(
                subject: instance.label,
                summary: "\(instance.label) does not listen where the manifest says",
                evidence: evidence,
                fix: "Make the configuration match (\(instance.portSource?.replacingPrefix("PORT in ", with: "") ?? "the unit's env file or ExecStart")), then `systemctl restart \(instance.unit)`; or correct the manifest.")
        }
    }
}

extension String {
    func replacingPrefix(_ prefix: String, with replacement: String) -> String {
        hasPrefix(prefix) ? replacement + dropFirst(prefix.count) : self
    }
}
