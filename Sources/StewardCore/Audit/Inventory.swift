/// The apps on a host and their instances, derived from the units (zero config) and the manifest.
///
/// Zero config: a unit the admin wrote (`/etc/systemd/system`) whose program or working directory lies outside the
/// system's own directories is an app; a template's instances are its instances. A manifest adds what discovery cannot
/// know: production flags, expected ports and addresses.
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
        /// Port the instance is configured to listen on (env file or ExecStart; the manifest's when neither says).
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
        for unit in facts.units {
            let spec = manifest.apps.first { spec in
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

            let app = spec?.name ?? unit.templateBase ?? unit.shortName
            let kind = spec.map { $0.kind == .generic ? detectKind(unit.execStart) : $0.kind.rawValue } ?? detectKind(unit.execStart)
            let name = unit.instance ?? ""
            let instanceSpec = spec?.instances.first { $0.name == name }
            let production = instanceSpec?.production ?? InstanceSpec.defaultProduction(name: name)
            var (port, portSource) = configuredPort(unit: unit, facts: facts)
            if port == nil, let expected = instanceSpec?.port {
                (port, portSource) = (expected, "manifest apps.\(app).instances.\(name).port")
            }
            result.append(Instance(
                app: app, name: name, unit: unit.name, role: isTunnel ? .tunnel : .app, production: production,
                port: port, portSource: portSource, expectedPort: instanceSpec?.port, expectedBind: instanceSpec?.bind,
                workingDirectory: !unit.workingDirectory.isEmpty ? unit.workingDirectory
                    : spec?.directory.map { spec!.resolve($0, instance: name) },
                kind: kind, healthPath: spec?.health ?? defaultHealthPath(kind)))
        }
        return Inventory(instances: result)
    }

    /// The framework an ExecStart runs, so fixes and health URLs fit it: `streamlit run` → streamlit,
    /// uvicorn → fastapi, a `*.wsgi` gunicorn app or `manage.py` → django, flask → flask.
    static func detectKind(_ argv: [String]) -> String {
        let words = argv.map { $0.split(separator: "/").last.map(String.init) ?? $0 }
        if words.contains("streamlit") { return "streamlit" }
        if words.contains(where: { $0.hasPrefix("uvicorn") }) { return "fastapi" }
        if words.contains("manage.py") || (words.contains("gunicorn") && argv.contains { $0.contains(".wsgi") }) { return "django" }
        if words.contains("flask") { return "flask" }
        return "generic"
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
