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
        return specs
    }
}
