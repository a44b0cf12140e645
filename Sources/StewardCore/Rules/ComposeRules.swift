/// Rules about Docker Compose projects (seed 003): each service's container running and healthy, not restarting in a
/// loop; its logs free of tracebacks; no database port on every address; no default credentials in the project's
/// `.env`; no package of a build context left out of its image.
enum ComposeRules {
    static let all = [serviceDown, restarting, unhealthy, databasePortPublic, defaultCredentials, uncopiedPackage, logErrors, imageTagMissing, migrationPending]

    /// Ports of the databases and caches that must not face the network (PostgreSQL, pgbouncer, MySQL, Redis,
    /// MongoDB, Elasticsearch, CouchDB, memcached).
    static let databasePorts: [Int: String] = [5432: "PostgreSQL", 6432: "pgbouncer", 3306: "MySQL", 6379: "Redis", 27017: "MongoDB",
                                               9200: "Elasticsearch", 5984: "CouchDB", 11211: "memcached"]

    static func services(_ ctx: AuditContext) -> [(ComposeFacts, ComposeFacts.Service)] {
        (ctx.facts.compose ?? []).flatMap { p in p.services.map { (p, $0) } }
    }

    /// `docker compose -p pulse` (or `docker-compose`, as the host has it) with the project's files, for fixes.
    static func compose(_ p: ComposeFacts) -> String {
        let defaultFile = p.configFiles.count == 1 && ComposeSpec.defaultFiles.contains { p.configFiles[0] == p.workingDir + "/" + $0 }
        let files = defaultFile ? "" : p.configFiles.map { " -f \(shellWord(relative($0, to: p.workingDir)))" }.joined()
        return "cd \(shellWord(p.workingDir)) && \(p.cli) -p \(shellWord(p.project))" + files
    }

    /// A word as a POSIX shell reads it back: as it is when it is plain, else in single quotes.
    static func shellWord(_ text: String) -> String {
        let plain = !text.isEmpty && text.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || "/._-:@=+,".contains($0)) }
        return plain ? text : "'" + text.replacingOccurrences(of: "'", with: "'\\''") + "'"
    }

    static func relative(_ path: String, to directory: String) -> String {
        path.hasPrefix(directory + "/") ? String(path.dropFirst(directory.count + 1)) : path
    }

    static let serviceDown: Rule = Rule(
        id: "compose.service-down", severity: .critical,
        rationale: "A service whose container exited with an error (or was killed for memory) does none of its work: its requests fail, its queue grows."
    ) { ctx in
        // A declared service without any container: never created, or removed (`down`, `rm`).
        let missing = (ctx.facts.compose ?? []).flatMap { p in
            let expected = p.declaredServices + (p.unitServices ?? []).filter { !p.declaredServices.contains($0) }
            return expected.filter { name in !p.services.contains { $0.name == name } }.map { name in
                serviceDown.finding(
                    subject: "\(p.project)/\(name)",
                    summary: "Service \(name) of compose project \(p.project) has no container: it does not run",
                    evidence: [p.declaredServices.contains(name) ? "manifest apps.\(p.app ?? p.project).compose.services names \(name)"
                                   : "\(p.unit ?? "its unit") runs `up` for \(name)",
                               p.services.isEmpty ? "no container carries the label com.docker.compose.project=\(p.project)"
                                   : "containers of \(p.project): \(p.services.map(\.container).joined(separator: ", "))"],
                    fix: "`\(compose(p)) up -d \(name)` (`\(compose(p)) ps` shows what runs).")
            }
        }
        return missing + services(ctx).compactMap { p, s in
            // Exited with 0 is a one-shot job's normal end, unless the manifest says the service must run.
            let mustRun = p.declaredServices.contains(s.name)
            guard s.status == "exited" || s.status == "dead" || (mustRun && s.status == "created"),
                  s.exitCode != 0 || s.oomKilled || mustRun else { return nil }
            return serviceDown.finding(
                subject: "\(p.project)/\(s.name)",
                summary: "Service \(s.name) of compose project \(p.project) is down: its container \(s.container) \(s.oomKilled ? "was killed for memory (OOMKilled)" : "exited with code \(s.exitCode)")",
                evidence: ["\(s.container): \(s.status), exit code \(s.exitCode)\(s.oomKilled ? ", OOMKilled" : ""), restarted \(s.restartCount) time(s)"] + (s.logs?.samples.prefix(3).map { "log: \($0)" } ?? []),
                fix: s.oomKilled
                    ? "Give it memory (`mem_limit` / `deploy.resources.limits.memory` in the compose file, or less load), then `\(compose(p)) up -d \(s.name)`."
                    : "`docker logs --tail 50 \(s.container)` for why, fix it, then `\(compose(p)) up -d \(s.name)`; `restart: unless-stopped` brings it back after a crash.")
        }
    }

    static let restarting: Rule = Rule(
        id: "compose.service-restarting", severity: .critical,
        rationale: "A container that Docker keeps restarting crashes at start: the service is down between restarts, and the restarts hide it from `docker ps` at a glance."
    ) { ctx in
        services(ctx).compactMap { p, s in
            let looping = s.status == "restarting"
            guard looping || (s.status == "running" && s.restartCount >= ctx.thresholds.restartsWarning) else { return nil }
            let missing = s.logs?.moduleNotFound ?? []
            return restarting.finding(
                looping ? .critical : .warning,
                subject: "\(p.project)/\(s.name)",
                summary: looping
                    ? "Service \(s.name) of compose project \(p.project) is restarting in a loop (\(s.restartCount) restarts, last exit code \(s.exitCode))"
                    : "Service \(s.name) of compose project \(p.project) restarted \(s.restartCount) times",
                evidence: ["\(s.container): \(s.status), restarted \(s.restartCount) time(s), last exit code \(s.exitCode)\(s.oomKilled ? ", OOMKilled" : "")"]
                    + missing.map { "log: ModuleNotFoundError: No module named '\($0)'" } + (s.logs?.samples.prefix(3).map { "log: \($0)" } ?? []),
                fix: missing.isEmpty
                    ? "`docker logs --tail 50 \(s.container)` for the error it dies of; fix it and `\(compose(p)) up -d --build \(s.name)`."
                    : "The image lacks module \(missing.joined(separator: ", ")): copy it in the service's Dockerfile (see compose.uncopied-package), then `\(compose(p)) up -d --build \(s.name)`.")
        }
    }

    static let unhealthy: Rule = Rule(
        id: "compose.service-unhealthy", severity: .critical,
        rationale: "The service's own healthcheck fails: it runs but does not work, and services that depend on it being healthy do not start."
    ) { ctx in
        services(ctx).compactMap { p, s in
            guard s.health == "unhealthy" else { return nil }
            return unhealthy.finding(
                subject: "\(p.project)/\(s.name)",
                summary: "Service \(s.name) of compose project \(p.project) is unhealthy (its healthcheck fails)",
                evidence: ["\(s.container): \(s.status), health unhealthy"] + (s.healthLog.map { ["last check: \($0)"] } ?? []),
                fix: "`docker inspect --format '{{json .State.Health}}' \(s.container)` shows the checks' output; fix what it says, then `\(compose(p)) up -d \(s.name)`.")
        }
    }

    static let databasePortPublic: Rule = Rule(
        id: "compose.database-port-public", severity: .critical,
        rationale: "`ports: [\"5432:5432\"]` publishes the database on every address of the host, and Docker's own firewall rules bypass ufw: anyone who can reach the host can try its passwords."
    ) { ctx in
        services(ctx).flatMap { p, s in
            // One finding per published port: Docker binds it on 0.0.0.0 and on :: alike.
            let open = s.ports.filter { $0.isPublic && databasePorts[$0.containerPort] != nil }
            let byPort = Dictionary(grouping: open) { "\($0.hostPort)/\($0.containerPort)/\($0.proto)" }
            return byPort.keys.sorted().compactMap { key -> Finding? in
                guard let binds = byPort[key], let port = binds.first else { return nil }
                let kind = databasePorts[port.containerPort] ?? "database"
                return databasePortPublic.finding(
                    subject: "\(p.project)/\(s.name):\(port.hostPort)",
                    summary: "\(kind) of compose project \(p.project) (service \(s.name)) is published beyond loopback, port \(port.hostPort)"
                        + (binds.allSatisfy { ["", "0.0.0.0", "::"].contains($0.hostIP) } ? " on every address" : " on \(binds.map(\.hostIP).joined(separator: ", "))"),
                    evidence: binds.map { "\(s.container): \($0.hostIP.isEmpty ? "0.0.0.0" : $0.hostIP):\($0.hostPort) → \($0.containerPort)/\($0.proto)" },
                    fix: "The other services reach it by its service name on the project's network, without `ports:`: remove the mapping, or bind it to loopback (`\"127.0.0.1:\(port.hostPort):\(port.containerPort)\"`), then `\(compose(p)) up -d \(s.name)`.")
            }
        }
    }

    static let defaultCredentials: Rule = Rule(
        id: "compose.default-credentials", severity: .critical,
        rationale: "A compose project's .env ships with the development passwords of its README; left as they are, they are the first ones an attacker tries."
    ) { ctx in
        (ctx.facts.compose ?? []).compactMap { p in
            guard let env = p.env, env.exists else { return nil }
            let keys = FileRules.defaultCredentialKeys(env)
            guard !keys.isEmpty else { return nil }
            let users = p.services.map(\.name).sorted().joined(separator: " ")
            return defaultCredentials.finding(
                subject: env.path,
                summary: "\(env.path) (compose project \(p.project)) uses a well-known default value for \(Format.list(keys))",
                evidence: keys.map { "\($0) is set to a well-known default (value not shown)" },
                fix: "Generate new values (`openssl rand -base64 32`), set them where they are checked (`ALTER ROLE … PASSWORD` in the database, the app's admin user), update \(env.path) (mode 0600), then `\(compose(p)) up -d \(users)`.")
        }
    }

    static let uncopiedPackage: Rule = Rule(
        id: "compose.uncopied-package", severity: .critical,
        rationale: "A package directory that the code imports but the Dockerfile never copies is missing from the image: the service dies at start with ModuleNotFoundError (seed 003)."
    ) { ctx in
        (ctx.facts.compose ?? []).flatMap { p in
            p.uncopied.map { u in
                let destination = u.copiedTo.map { $0.hasSuffix("/") ? $0 : $0 + "/" } ?? "./"
                let line = "COPY \(u.package)/ \(destination)\(u.package)/"
                return uncopiedPackage.finding(
                    subject: "\(p.project)/\(u.service) \(u.package)",
                    summary: "The image of \(u.service) (compose project \(p.project)) lacks package \(u.package): the code imports it, \(u.dockerfile) never copies it",
                    evidence: ["\(u.dockerfile): no COPY or ADD brings \(u.package)/ from the build context", "the copied code imports \(u.package)"],
                    fix: "Add `\(line)` to \(u.dockerfile) (beside the COPY of the rest of the code), then `\(compose(p)) up -d --build \(u.service)`.")
            }
        }
    }

    static let logErrors: Rule = Rule(
        id: "compose.log-tracebacks", severity: .warning,
        rationale: "Tracebacks in a container's log are errors users or jobs met; `docker logs` is where a compose service's errors go, not the journal."
    ) { ctx in
        services(ctx).compactMap { p, s in
            guard let logs = s.logs, logs.tracebacks >= ctx.thresholds.tracebacksWarning, logs.tracebacks > 0 else { return nil }
            let types = logs.exceptionTypes.sorted { ($1.value, $0.key) < ($0.value, $1.key) }.map { "\($0.key) ×\($0.value)" }
            return logErrors.finding(
                subject: "\(p.project)/\(s.name)",
                summary: "\(logs.tracebacks) Python traceback(s) in the log of \(s.name) (compose project \(p.project)) over the last \(ctx.facts.windowHours) h",
                evidence: (types.isEmpty ? [] : ["exceptions: \(types.joined(separator: ", "))"]) + logs.samples.prefix(4).map { "log: \($0)" },
                fix: "`docker logs --since \(ctx.facts.windowHours)h \(s.container) 2>&1 | grep -A20 Traceback` for the stacks; fix the code and deploy.")
        }
    }

    static let imageTagMissing: Rule = Rule(
        id: "compose.image-tag-missing", severity: .warning,
        rationale: "A container runs an image whose tag no longer exists on the host: the next `up` that recreates it (a changed compose file, a `down`, a new host) must pull the tag again, and a tag gone from the registry too leaves the service unable to start (seed 003)."
    ) { ctx in
        services(ctx).compactMap { p, s in
            guard s.tagChecked, s.tagImageID == nil, let tagged = s.taggedImage else { return nil }
            let id = s.imageID.hasPrefix("sha256:") ? String(s.imageID.dropFirst(7).prefix(12)) : String(s.imageID.prefix(12))
            return imageTagMissing.finding(
                subject: "\(p.project)/\(s.name)",
                summary: "Service \(s.name) of compose project \(p.project) runs image \(id), but its tag \(tagged) no longer exists on this host",
                evidence: ["\(s.container): image \(s.image) (id \(s.imageID))", "docker image ls: no image tagged \(tagged)"],
                fix: "Keep the running image under its tag (`docker tag \(id) \(tagged)`); then pin the compose file to a tag or digest the registry keeps (`image: name@sha256:…`).")
        }
    }

    static let migrationPending: Rule = Rule(
        id: "compose.migration-pending", severity: .warning,
        rationale: "A numbered migration in the checkout that the running database has not applied: the code that expects its tables or columns fails at the first request that needs them, as seed 003's troubleshooting shows (`relation \"…\" does not exist`)."
    ) { ctx in
        (ctx.facts.compose ?? []).compactMap { p in
            guard let m = p.migrations, !m.pending.isEmpty else { return nil }
            let how = m.tracked ? "\(SQLMigrationTracking.table) lists \(m.applied.count)" : "no \(SQLMigrationTracking.table) table; the tables of \(m.applied.isEmpty ? "no file" : m.applied.joined(separator: ", ")) exist"
            let app = p.app ?? p.project
            return migrationPending.finding(
                subject: "\(p.project)/\(m.directory)",
                summary: "\(m.pending.count) migration\(m.pending.count == 1 ? "" : "s") in \(p.workingDir)/\(m.directory) not applied to \(m.database) (service \(m.service)): \(m.pending.prefix(5).joined(separator: ", "))\(m.pending.count > 5 ? ", …" : "")",
                evidence: ["\(m.directory): \(m.files.count) file\(m.files.count == 1 ? "" : "s"), the newest \(m.files.last ?? "?")", "\(m.database): \(how)"],
                fix: "Deploy the release that carries them: `steward deploy \(app) --ref TAG` backs the database up, applies the pending files in one transaction and records them (a database migrated by hand is adopted: the files whose tables exist are recorded as applied).")
        }
    }
}
