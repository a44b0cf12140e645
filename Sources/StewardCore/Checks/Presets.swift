/// Default checks for an app declared with a `kind`, so a user writes a few lines, not a test suite: its unit
/// active, its port listening where expected, its health URL, its database and Redis when its env file names them.
public enum Presets {
    /// Env keys whose value names a PostgreSQL DSN or a Redis URL.
    static let databaseKeys = ["DATABASE_URL", "POSTGRES_DSN", "POSTGRES_URL", "DB_URL"]
    static let redisKeys = ["REDIS_URL", "CELERY_BROKER_URL", "BROKER_URL", "CACHE_URL"]

    /// Preset checks for every app instance in the inventory (only apps the manifest declares when `declaredOnly`).
    public static func checks(inventory: Inventory, facts: Facts, manifest: Manifest, declaredOnly: Bool = true) -> [CheckSpec] {
        var specs: [CheckSpec] = []
        for instance in inventory.apps where !declaredOnly || manifest.apps.contains(where: { $0.name == instance.app }) {
            let label = instance.label
            let app = instance.app, name = instance.name.isEmpty ? nil : instance.name
            specs.append(CheckSpec(id: "service:\(label)", app: app, instance: name, kind: .service(ServiceExpectation(unit: instance.unit, active: true))))
            if let port = instance.port {
                specs.append(CheckSpec(id: "port:\(label)", app: app, instance: name,
                                       kind: .port(PortExpectation(port: port, address: instance.expectedBind))))
                let host = instance.expectedBind.map { $0 == "0.0.0.0" || $0 == "::" ? "127.0.0.1" : $0 } ?? "127.0.0.1"
                specs.append(CheckSpec(id: "http:\(label)\(instance.healthPath)", app: app, instance: name, kind: .http(HTTPExpectation(
                    url: "http://\(host.contains(":") ? "[\(host)]" : host):\(port)\(instance.healthPath)", maxLatencyMs: 2000))))
            }
            // Its certificate, when nginx serves it over TLS.
            if let port = instance.port {
                for site in facts.nginx?.sites ?? [] where site.locations.contains(where: { $0.upstreamIsLocal && $0.upstream?.port == port }) {
                    for cert in site.sslCertificates {
                        let serverName = site.serverNames.first { $0 != "_" && !$0.isEmpty }
                        specs.append(CheckSpec(id: "tls:\(label):\(cert)", app: app, instance: name,
                                               kind: .tls(TLSExpectation(file: cert, serverName: serverName, allowSelfSigned: !instance.production))))
                    }
                }
            }
            for ref in facts.unit(instance.unit)?.environmentFiles ?? [] {
                guard let file = facts.envFile(ref.path) else { continue }
                if let key = databaseKeys.first(where: { k in file.keys.contains(k) && (file.values[k]?.revealedForAnalysis.hasPrefix("postgres") ?? false) }) {
                    specs.append(CheckSpec(id: "postgres:\(label)", app: app, instance: name,
                                           kind: .postgres(PostgresExpectation(dsn: SecretRef(file: file.path, key: key)))))
                }
                if let key = redisKeys.first(where: { k in file.keys.contains(k) && (file.values[k]?.revealedForAnalysis.hasPrefix("redis") ?? false) }) {
                    specs.append(CheckSpec(id: "redis:\(label)", app: app, instance: name, kind: .redis(RedisExpectation(url: SecretRef(file: file.path, key: key)))))
                }
            }
        }
        return specs + composeChecks(facts: facts, manifest: manifest, declaredOnly: declaredOnly)
    }

    /// Compose projects (those the manifest declares as `kind: compose`, and the others found by their labels unless
    /// `declaredOnly`): each service's container running and healthy, each published port listening, and the
    /// app's health path on the first published port that is not a database's.
    static func composeChecks(facts: Facts, manifest: Manifest, declaredOnly: Bool) -> [CheckSpec] {
        var projects: [(app: String, project: String, services: [String], health: String?, found: ComposeFacts?)] = []
        for app in manifest.apps where app.kind == .compose {
            guard let directory = app.directory else { continue }
            let project = app.compose?.project ?? ComposeSpec.defaultProject(directory: directory)
            let found = facts.compose?.first { $0.project == project }
            projects.append((app.name, project, app.compose?.services ?? [], app.health, found))
        }
        if !declaredOnly {
            for found in facts.compose ?? [] where !projects.contains(where: { $0.project == found.project }) {
                projects.append((found.project, found.project, [], nil, found))
            }
        }
        var specs: [CheckSpec] = []
        for p in projects {
            var services = p.services
            for s in p.found?.services ?? [] where !services.contains(s.name) { services.append(s.name) }
            for service in services {
                specs.append(CheckSpec(id: "container:\(p.project)/\(service)", app: p.app, instance: nil,
                                       kind: .container(ContainerExpectation(project: p.project, service: service))))
            }
            var web: Int?
            for s in p.found?.services ?? [] {
                var seen = Set<Int>()
                for port in s.ports where port.proto == "tcp" && seen.insert(port.hostPort).inserted {
                    let loopbackOnly = s.ports.filter { $0.hostPort == port.hostPort }.allSatisfy { !$0.isPublic }
                    specs.append(CheckSpec(id: "port:\(p.project)/\(s.name):\(port.hostPort)", app: p.app, instance: nil,
                                           kind: .port(PortExpectation(port: port.hostPort, address: loopbackOnly ? port.hostIP : nil))))
                    if web == nil, ComposeRules.databasePorts[port.containerPort] == nil { web = port.hostPort }
                }
            }
            if let health = p.health, let web {
                specs.append(CheckSpec(id: "http:\(p.app)\(health)", app: p.app, instance: nil,
                                       kind: .http(HTTPExpectation(url: "http://127.0.0.1:\(web)\(health)", maxLatencyMs: 2000))))
            }
        }
        return specs
    }
}
