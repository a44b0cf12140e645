import Foundation

/// The zero-config judgements an operator makes on sight, from facts alone: which framework a unit runs, whether an
/// instance is production, and which units are one app. Each returns its evidence so the report can say why.

/// The framework of a unit, from its command line and environment.
enum KindInference {
    /// `streamlit` → streamlit; uvicorn → fastapi; celery → celery (a worker, checked before Django because a
    /// Django project's worker has `DJANGO_SETTINGS_MODULE` too); `manage.py`, gunicorn of a `*.wsgi` module or
    /// `DJANGO_SETTINGS_MODULE` → django; flask → flask; else generic.
    static func detect(unit: UnitFacts, facts: Facts) -> (kind: String, evidence: String?) {
        let argv = unit.execStart
        let words = argv.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
        if words.contains("streamlit") { return ("streamlit", "streamlit in ExecStart") }
        if let word = words.first(where: { $0.hasPrefix("uvicorn") }) { return ("fastapi", "\(word) in ExecStart") }
        if words.contains("celery") { return ("celery", "celery in ExecStart") }
        if words.contains("manage.py") { return ("django", "manage.py in ExecStart") }
        if words.contains("gunicorn"), let module = argv.first(where: { $0.contains(".wsgi") }) {
            return ("django", "gunicorn \(module) in ExecStart")
        }
        if let source = variableSource("DJANGO_SETTINGS_MODULE", unit: unit, facts: facts) {
            return ("django", "DJANGO_SETTINGS_MODULE in \(source)")
        }
        if words.contains("flask") { return ("flask", "flask in ExecStart") }
        if let source = variableSource("FLASK_APP", unit: unit, facts: facts) { return ("flask", "FLASK_APP in \(source)") }
        return ("generic", nil)
    }

    /// Where a unit's environment sets a variable (the env file that wins, as systemd applies them), or nil.
    static func variableSource(_ key: String, unit: UnitFacts, facts: Facts) -> String? {
        for ref in unit.environmentFiles.reversed() where facts.envFile(ref.path)?.keys.contains(key) == true {
            return ref.path
        }
        return unit.environment[key] != nil ? "Environment= of \(unit.unitFileName)" : nil
    }
}

/// Whether an instance is production, and why.
enum ProductionInference {
    /// Variables that name the deployment environment in the common frameworks.
    static let environmentKeys = ["ENVIRONMENT", "APP_ENV", "DJANGO_ENV", "FLASK_ENV", "NODE_ENV", "RAILS_ENV"]
    static let productionValues: Set<String> = ["production", "prod"]

    /// In order: the manifest's explicit setting; the instance name (`prod`, `production`, `live`); an env
    /// variable of `environmentKeys` whose effective value is `production`/`prod`; for a unit that is not a template
    /// instance (whose name would say), nginx proxying a public `server_name` to its port. Nil: not production.
    /// `fromHost` false (a tunnel) stops after the name.
    static func reason(unit: UnitFacts, name: String, port: Int?, facts: Facts, fromHost: Bool,
                       declared: (Bool, String)?) -> String? {
        if let (production, source) = declared { return production ? source : nil }
        if InstanceSpec.defaultProduction(name: name) { return "instance name \(name)" }
        guard fromHost else { return nil }
        if let env = environmentSays(unit: unit, facts: facts) { return env }
        if unit.instance == nil, let port, let served = servedPublicly(port: port, facts: facts) { return served }
        return nil
    }

    /// `env APP_ENV=production in /etc/x.env`: the value that wins as systemd applies Environment= then the
    /// env files in order. Only these keys' production values are printed; they are not secrets.
    static func environmentSays(unit: UnitFacts, facts: Facts) -> String? {
        var effective: [String: (value: String, source: String)] = [:]
        for key in environmentKeys {
            if let value = unit.environment[key] { effective[key] = (value.revealedForAnalysis, "Environment= of \(unit.unitFileName)") }
        }
        for ref in unit.environmentFiles {
            guard let file = facts.envFile(ref.path) else { continue }
            for key in environmentKeys {
                if let value = file.values[key] { effective[key] = (value.revealedForAnalysis, file.path) }
            }
        }
        for key in environmentKeys {
            guard let (value, source) = effective[key] else { continue }
            let normalized = value.trimmingCharacters(in: .whitespaces).lowercased()
            if productionValues.contains(normalized) { return "env \(key)=\(normalized) in \(source)" }
        }
        return nil
    }

    /// `served by nginx server_name pravoo.in (/etc/nginx/sites-enabled/django)` when an enabled site with a public
    /// name proxies to the port on this host.
    static func servedPublicly(port: Int, facts: Facts) -> String? {
        for site in facts.nginx?.sites ?? [] {
            guard site.locations.contains(where: { $0.upstreamIsLocal && $0.upstream?.port == port }),
                  let publicName = site.serverNames.first(where: isPublic) else { continue }
            return "served by nginx server_name \(publicName) (\(site.file))"
        }
        return nil
    }

    /// A name the world can reach: not empty, `_`, `localhost` or a loopback address, and not a regex.
    static func isPublic(_ serverName: String) -> Bool {
        let name = serverName.lowercased().trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        if name.isEmpty || name == "_" || name.hasPrefix("~") { return false }
        if name == "localhost" || name.hasSuffix(".localhost") || name == "localhost.localdomain" { return false }
        if name.hasPrefix("127.") || name == "::1" || name == "0.0.0.0" { return false }
        return true
    }
}

/// Units of one app: an API and its worker started from the same tree are one app, and its database is one.
enum AppGrouping {
    /// Links app units (not tunnels) of different apps that share a WorkingDirectory (other than `/`) or an env
    /// file, unless the manifest declares both. Instances of one template are already one app and stay apart. In
    /// each group the main unit is a declared one, else a running one that serves (has a port and is not a worker),
    /// else a running one, else one that serves, else the first; the others get `partOf`
    /// and take its production judgement when they have none of their own (and the manifest does not say
    /// they are not: `notProduction`).
    static func group(_ instances: inout [Inventory.Instance], facts: Facts, declared: Set<String>,
                      notProduction: Set<String> = []) {
        let apps = instances.indices.filter { instances[$0].role == .app }
        var parent = Dictionary(uniqueKeysWithValues: apps.map { ($0, $0) })
        func root(_ i: Int) -> Int { var i = i; while parent[i]! != i { i = parent[i]! }; return i }
        var reasonOf: [Int: String] = [:]
        var seen: [String: Int] = [:]
        for i in apps {
            let unit = facts.unit(instances[i].unit)
            var keys: [(String, String)] = []
            if let dir = instances[i].workingDirectory, dir != "/", !dir.isEmpty { keys.append(("dir:" + dir, "same WorkingDirectory \(dir)")) }
            for ref in unit?.environmentFiles ?? [] { keys.append(("env:" + ref.path, "same env file \(ref.path)")) }
            for (key, reason) in keys {
                guard let j = seen[key] else { seen[key] = i; continue }
                let (a, b) = (instances[i], instances[j])
                if a.app == b.app || (declared.contains(a.unit) && declared.contains(b.unit)) { continue }
                let (ri, rj) = (root(i), root(j))
                if ri != rj { parent[ri] = rj }
                if reasonOf[i] == nil { reasonOf[i] = reason }
                if reasonOf[j] == nil { reasonOf[j] = reason }
            }
        }
        let groups = Dictionary(grouping: apps, by: root).values.filter { $0.count > 1 }
        for members in groups {
            let sorted = members.sorted()
            func active(_ i: Int) -> Bool { facts.unit(instances[i].unit)?.isActive == true }
            func serves(_ i: Int) -> Bool { instances[i].port != nil && instances[i].kind != "celery" }
            let main = sorted.first { declared.contains(instances[$0].unit) }
                ?? sorted.first { active($0) && serves($0) } ?? sorted.first(where: active)
                ?? sorted.first(where: serves) ?? sorted[0]
            let mainLabel = instances[main].label
            for i in sorted where i != main {
                instances[i].partOf = mainLabel
                instances[i].partOfReason = reasonOf[i]
                takeAppPortBack(&instances[i], main: instances[main], facts: facts)
                if !instances[i].production, instances[main].production, !notProduction.contains(instances[i].unit) {
                    instances[i].production = true
                    instances[i].productionReason = "part of \(mainLabel) (production: \(instances[main].productionReason ?? "?"))"
                }
            }
        }
    }

    /// `PORT=` in the env file an API and its worker share is the API's: the worker has its own sockets' port, or
    /// none (else `ports.conflict` would see the worker "configured" for the API's port).
    static func takeAppPortBack(_ member: inout Inventory.Instance, main: Inventory.Instance, facts: Facts) {
        guard let port = member.port, port == main.port, member.portSource == main.portSource,
              let unit = facts.unit(member.unit) else { return }
        let own = (facts.sockets ?? []).filter { $0.unit == unit.name && ($0.proto == .tcp || $0.proto == .tcp6) }
        if own.contains(where: { $0.port == port }) { return }
        if let socket = Inventory.listeningSocket(of: unit, facts: facts) {
            (member.port, member.portSource) = (socket.port, Inventory.socketSource(socket))
        } else {
            (member.port, member.portSource) = (nil, nil)
        }
    }
}
