/// Rules about nginx in front of the apps.
enum NginxRules {
    static let all = [configInvalid, upstreamMismatch, missingForwardedHeaders]

    static let configInvalid: Rule = Rule(
        id: "nginx.config-invalid", severity: .critical,
        rationale: "With an invalid configuration, the next reload or restart of nginx fails and every site goes down."
    ) { ctx in
        guard let nginx = ctx.facts.nginx, !nginx.configValid else { return [] }
        return [configInvalid.finding(
            subject: "nginx",
            summary: "`nginx -t` fails: the next reload will not apply and a restart will take every site down",
            evidence: nginx.testOutput.split(separator: "\n").map(String.init).filter { !$0.isEmpty }.prefix(5).map { $0 },
            fix: "Fix the file and line `nginx -t` names, then `nginx -t && systemctl reload nginx`.")]
    }

    static let upstreamMismatch: Rule = Rule(
        id: "nginx.upstream-mismatch", severity: .critical,
        rationale: "proxy_pass to a port nothing listens on is a 502 for every request to that location."
    ) { ctx in
        guard let nginx = ctx.facts.nginx, let sockets = ctx.facts.sockets else { return [] }
        let listening = Set(sockets.filter { $0.proto == .tcp || $0.proto == .tcp6 }.map(\.port))
        return nginx.sites.flatMap { site in
            site.locations.compactMap { location -> Finding? in
                guard let upstream = location.upstream, location.upstreamIsLocal, !listening.contains(upstream.port) else { return nil }
                let candidates = ctx.inventory.apps.filter { ctx.facts.unit($0.unit)?.isActive == true }
                    .compactMap { i in i.port.flatMap { listening.contains($0) ? "\(i.label) on \($0)" : nil } }
                return upstreamMismatch.finding(
                    subject: "\(site.file):\(location.line)",
                    summary: "nginx proxies \(location.path) to port \(upstream.port), where nothing listens",
                    evidence: ["proxy_pass \(location.proxyPass ?? "") (\(site.file) line \(location.line), server_name \(site.serverNames.joined(separator: " ")))"]
                        + (candidates.isEmpty ? [] : ["apps listening: \(candidates.joined(separator: ", "))"]),
                    fix: "Point proxy_pass at the app's port (or start the app), then `nginx -t && systemctl reload nginx`.")
            }
        }
    }

    static let missingForwardedHeaders: Rule = Rule(
        id: "nginx.missing-forwarded-headers", severity: .warning,
        rationale: "Without X-Forwarded-Proto and Host the app builds wrong URLs and Django rejects HTTPS forms (CSRF)."
    ) { ctx in
        guard let nginx = ctx.facts.nginx else { return [] }
        return nginx.sites.flatMap { site in
            site.locations.compactMap { location -> Finding? in
                guard location.proxyPass != nil else { return nil }
                let have = Set(location.proxySetHeaders.map { $0.lowercased() })
                let missing = ["Host", "X-Forwarded-Proto", "X-Forwarded-For"].filter { !have.contains($0.lowercased()) }
                guard missing.contains("X-Forwarded-Proto") || missing.contains("Host") else { return nil }
                return missingForwardedHeaders.finding(
                    subject: "\(site.file):\(location.line)",
                    summary: "location \(location.path) proxies without \(missing.joined(separator: ", "))",
                    evidence: ["proxy_set_header present: \(location.proxySetHeaders.isEmpty ? "none" : location.proxySetHeaders.joined(separator: ", "))"],
                    fix: "In \(site.file), location \(location.path), add: " + missing.map { h in
                        "`proxy_set_header \(h) \(h == "Host" ? "$host" : h == "X-Forwarded-Proto" ? "$scheme" : "$proxy_add_x_forwarded_for");`"
                    }.joined(separator: " ") + ", then `nginx -t && systemctl reload nginx`.")
            }
        }
    }
}
