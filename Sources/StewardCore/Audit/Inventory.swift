/// The apps on a host and their instances, derived from the units (zero config) and the manifest.
///
/// Zero config: a unit the admin wrote (`/etc/systemd/system`) whose program or working directory lies outside the
/// system's own directories is an app; a template's instances are its instances; units of different names that share
/// a tree or env file are one app (`partOf`). Production, kind and ports are judged from the host with their evidence
/// (`InstanceInference.swift`). A manifest adds what discovery cannot know and its explicit settings win.
public struct Inventory: Sendable, Equatable {
    public enum Role: String, Sendable, Codable { case app, tunnel }

    public struct Instance: Sendable, Equatable, Codable {
        /// App name: the template or unit name without `@` and `.service`.
        public var app: String
        /// Instance name (`prod`), empty for a unit that is not a template instance.
        public var name: String
        /// Full unit name.
        public var unit: String
        public var role: Role
        public var production: Bool
        /// Port the instance is configured to listen on (env file or ExecStart; the manifest's when neither says),
        /// else the one its processes listen on (a port set in a file Steward does not read).
        public var port: Int?
        /// Where the port came from, for evidence: `PORT in /etc/calb-sizingtool/prod.env`.
        public var portSource: String?
        /// What the manifest expects, checked against the configuration by `ports.mismatch` and `ports.public-bind`.
        public var expectedPort: Int?
        public var expectedBind: String?
        public var workingDirectory: String?
        public var kind: String
        /// Health path from the manifest, else the framework's usual one (`/_stcore/health` for Streamlit).
        public var healthPath: String
        /// Why the instance is judged production, for the report: `instance name prod`,
        /// `env APP_ENV=production in /etc/x.env`, `served by nginx server_name example.com`. Nil when it is not.
        public var productionReason: String?
        /// What the kind was inferred from: `uvicorn in ExecStart`, `DJANGO_SETTINGS_MODULE in Environment=`.
        public var kindEvidence: String?
        /// The label of the app's main instance when this unit is another unit of the same app (a Celery worker
        /// beside its API): they share a WorkingDirectory or an env file. Nil for an app's main (or only) unit.
        public var partOf: String?
        /// What ties it to `partOf`: `same WorkingDirectory /opt/marb/prod`, `same env file /etc/marb/prod.env`.
        public var partOfReason: String?

        /// `calb-sizingtool@prod`, or the unit name without `.service`.
        public var label: String { name.isEmpty ? app : "\(app)@\(name)" }
    }

    public var instances: [Instance]

    public init(instances: [Instance]) { self.instances = instances }

    public var apps: [Instance] { instances.filter { $0.role == .app } }
    public var tunnels: [Instance] { instances.filter { $0.role == .tunnel } }
    public func instance(unit: String) -> Instance? { instances.first { $0.unit == unit } }

    /// Directories under which a program is the system's, not an app's.
    static let systemPrefixes = ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/", "/usr/lib/", "/lib/", "/usr/libexec/"]
    static let tunnelPrograms: Set<String> = ["ngrok", "cloudflared"]

    /// Builds the inventory from facts and manifest. Pure: the same inputs give the same inventory.
    public static func build(facts: Facts, manifest: Manifest) -> Inventory {
        var result: [Instance] = []
        var declared: Set<String> = []  // units the manifest declares
        var notProduction: Set<String> = []  // units the manifest says are not production
        for unit in facts.units {
            // A blue-green slot (`shop-slot@9104.service`) is its instance when it is the serving slot, and nothing else
            // when it is not (it is the manifest's all the same).
            let slotOf = BlueGreenSlots.instance(of: unit, facts: facts, manifest: manifest)
            if let slotOf, !slotOf.serving {
                declared.insert(unit.name)
                continue
            }
            let spec = slotOf?.app ?? manifest.apps.first { spec in
                let unitName = spec.unit ?? (spec.instances.isEmpty ? "\(spec.name).service" : "\(spec.name)@.service")
                return unitName == unit.unitFileName || unitName == unit.name
            }
            let program = unit.execStart.first ?? ""
            let programName = program.split(separator: "/").last.map(String.init) ?? program
            let isTunnel = tunnelPrograms.contains(programName)
            let isAdminUnit = unit.fragmentPath.hasPrefix("/etc/systemd/system/")
            let outsideSystem = !systemPrefixes.contains { program.hasPrefix($0) }
                || (!unit.workingDirectory.isEmpty && !unit.workingDirectory.hasPrefix("/usr/") && unit.workingDirectory != "/")
            guard spec != nil || (isAdminUnit && (outsideSystem || isTunnel)) else { continue }
            // A unit that runs `docker compose up` is its Compose project (an instance of the operations by the
            // project's name, judged by the compose rules), not an app unit of its own.
            // Only once the compose probe has the project: without Docker the unit is still judged, as an app.
            if spec == nil, facts.compose?.contains(where: { $0.unit == unit.name }) == true { continue }
            if spec != nil { declared.insert(unit.name) }

            let app = spec?.name ?? unit.templateBase ?? unit.shortName
            var (kind, kindEvidence) = KindInference.detect(unit: unit, facts: facts)
            if let spec, spec.kind != .generic { (kind, kindEvidence) = (spec.kind.rawValue, "manifest apps.\(spec.name).kind") }
            let name = slotOf?.instance.name ?? unit.instance ?? ""
            let instanceSpec = spec?.instances.first { $0.name == name }
            if instanceSpec?.declaredProduction == false { notProduction.insert(unit.name) }
            var (port, portSource) = configuredPort(unit: unit, facts: facts)
            if port == nil, let expected = instanceSpec?.port {
                (port, portSource) = (expected, "manifest apps.\(app).instances.\(name).port")
            }
            if let slotOf { (port, portSource) = (slotOf.port, "the serving slot of apps.\(app).instances.\(name).slots") }
            let role: Role = isTunnel ? .tunnel : .app
            // A tunnel's own sockets (ngrok's local API on 4040) are not what it forwards to.
            if port == nil, role == .app, let socket = listeningSocket(of: unit, facts: facts) {
                (port, portSource) = (socket.port, socketSource(socket))
            }
            // A tunnel is production by its name or the manifest only: its env and nginx say nothing about it.
            let productionReason = ProductionInference.reason(
                unit: unit, name: name, port: port, facts: facts, fromHost: role == .app,
                declared: instanceSpec?.declaredProduction.map { ($0, "manifest apps.\(app).instances.\(name).production") })
            result.append(Instance(
                app: app, name: name, unit: unit.name, role: role, production: productionReason != nil,
                port: port, portSource: portSource, expectedPort: slotOf?.port ?? instanceSpec?.port,
                expectedBind: slotOf != nil ? "127.0.0.1" : instanceSpec?.bind,
                workingDirectory: !unit.workingDirectory.isEmpty ? unit.workingDirectory
                    : spec?.directory.map { spec!.resolve($0, instance: name) },
                kind: kind, healthPath: spec?.health ?? defaultHealthPath(kind),
                productionReason: productionReason, kindEvidence: kindEvidence))
        }
        AppGrouping.group(&result, facts: facts, declared: declared, notProduction: notProduction)
        return Inventory(instances: result)
    }

    /// The TCP port the unit's processes listen on (the socket probe maps each socket to the unit of its process's
    /// cgroup): for a port set in a config file Steward does not read (`gunicorn.conf.py`, `settings.toml`).
    /// Several ports: the one nginx proxies to, else the lowest.
    static func listeningSocket(of unit: UnitFacts, facts: Facts) -> ListeningSocket? {
        let own = (facts.sockets ?? []).filter { $0.unit == unit.name && ($0.proto == .tcp || $0.proto == .tcp6) }
            .sorted { ($0.port, $0.address) < ($1.port, $1.address) }
        let proxied = Set((facts.nginx?.sites ?? []).flatMap { $0.locations.filter(\.upstreamIsLocal).compactMap { $0.upstream?.port } })
        return own.first { proxied.contains($0.port) } ?? own.first
    }

    /// `listening on 0.0.0.0:8004 (gunicorn)`.
    static func socketSource(_ socket: ListeningSocket) -> String {
        "listening on \(socket.endpoint) (\(socket.process ?? "pid \(socket.pid.map(String.init) ?? "?")"))"
    }

    static func defaultHealthPath(_ kind: String) -> String {
        switch kind {
        case "streamlit": "/_stcore/health"
        case "fastapi": "/health"
        default: "/"
        }
    }

    /// The port a unit is set to listen on: `PORT=` in its env files, else a port option of its command line with
    /// `${VAR}` expanded from the env files.
    static func configuredPort(unit: UnitFacts, facts: Facts) -> (Int?, String?) {
        // systemd applies Environment= first and lets EnvironmentFile= override it, later files winning.
        var variables: [String: String] = [:]
        for (key, value) in unit.environment { variables[key] = value.revealedForAnalysis }
        var filePort: (Int, String)? = nil
        for ref in unit.environmentFiles {
            guard let file = facts.envFile(ref.path) else { continue }
            if let port = file.port { filePort = (port, "PORT in \(file.path)") }
            for (key, value) in file.values { variables[key] = value.revealedForAnalysis }
        }
        if let (port, source) = filePort { return (port, source) }
        if let port = unit.environment["PORT"].flatMap({ Int($0.revealedForAnalysis) }), (1...65535).contains(port) {
            return (port, "Environment=PORT in \(unit.unitFileName)")
        }
        if let port = CommandLinePort.find(in: unit.execStart, variables: variables) {
            return (port, "ExecStart of \(unit.unitFileName)")
        }
        return (nil, nil)
    }
}

/// Finds the listening port in a server's command line: `--port 8000`, `--server.port=8511`, `-b 127.0.0.1:8000`,
/// `--bind :8000`, `-p 8000`.
public enum CommandLinePort {
    static let portOptions: Set<String> = ["--port", "--server.port", "-p", "--http-port", "--listen-port"]
    static let bindOptions: Set<String> = ["-b", "--bind", "--host-port", "--listen"]

    public static func find(in argv: [String], variables: [String: String]) -> Int? {
        let args = argv.map { expand($0, variables) }
        var i = 0
        while i < args.count {
            var option = args[i]
            var value: String? = nil
            if let eq = option.firstIndex(of: "="), option.hasPrefix("-") {
                value = String(option[option.index(after: eq)...])
                option = String(option[..<eq])
            } else if i + 1 < args.count {
                value = args[i + 1]
            }
            if let value {
                if portOptions.contains(option), let p = Int(value), (1...65535).contains(p) { return p }
                if bindOptions.contains(option), let colon = value.lastIndex(of: ":"),
                   let p = Int(value[value.index(after: colon)...]), (1...65535).contains(p) { return p }
            }
            i += 1
        }
        return nil
    }

    /// Expands `${VAR}` and `$VAR` as systemd does in ExecStart.
    public static func expand(_ arg: String, _ variables: [String: String]) -> String {
        var out = ""
        var chars = Substring(arg)
        while let dollar = chars.firstIndex(of: "$") {
            out += chars[..<dollar]
            var rest = chars[chars.index(after: dollar)...]
            if rest.first == "{", let close = rest.firstIndex(of: "}") {
                let name = String(rest[rest.index(after: rest.startIndex)..<close])
                out += variables[name] ?? ""
                rest = rest[rest.index(after: close)...]
            } else {
                let name = rest.prefix { $0.isLetter || $0.isNumber || $0 == "_" }
                if name.isEmpty { out += "$" } else { out += variables[String(name)] ?? "" }
                rest = rest.dropFirst(name.count)
            }
            chars = rest
        }
        return out + chars
    }
}
