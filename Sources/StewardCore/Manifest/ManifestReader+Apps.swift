import Yams

extension ManifestReader {
    static let appKeys = ["kind", "unit", "directory", "env_file", "health", "instances", "backup", "deploy"]
    static let instanceKeys = ["production", "port", "bind"]
    static let nameRule = "use letters, digits, \"_\", \".\" and \"-\", starting with a letter or digit"

    /// A port already declared, to find two instances that would listen on the same socket.
    private struct PortClaim {
        var app: String
        var instance: String
        var bind: String?
    }

    /// The `apps` section, in file order. Apps with an invalid name are reported and left out.
    mutating func apps(_ node: Node, _ path: String) -> [AppSpec] {
        guard let entries = entries(node, path) else { return [] }
        var apps: [AppSpec] = []
        var claims: [Int: [PortClaim]] = [:]
        for entry in entries {
            let appPath = Self.join(path, entry.name)
            let validName = Self.isValidName(entry.name)
            if !validName { report(entry.key, appPath, "invalid app name; \(Self.nameRule)") }
            guard let app = app(entry.name, entry.value, appPath, claims: &claims), validName else { continue }
            apps.append(app)
        }
        return apps
    }

    private mutating func app(_ name: String, _ node: Node, _ path: String,
                              claims: inout [Int: [PortClaim]]) -> AppSpec? {
        guard let fields = fields(node, path, known: Self.appKeys) else { return nil }
        func at(_ key: String) -> String { Self.join(path, key) }
        var app = AppSpec(name: name)

        if let kindNode = fields["kind"]?.value, let text = string(kindNode, at("kind")) {
            if let kind = AppKind(rawValue: text) {
                app.kind = kind
            } else {
                let allowed = AppKind.allCases.map(\.rawValue).joined(separator: ", ")
                report(kindNode, at("kind"), "unknown kind \(Self.describe(value: text)); expected one of \(allowed)")
            }
        }
        if let instancesNode = fields["instances"]?.value {
            app.instances = instances(instancesNode, at("instances"), app: name, claims: &claims)
        }
        // An app whose instances are all invalid still has instances as far as the unit is concerned.
        let hasInstances = !app.instances.isEmpty || hasEntries(fields["instances"]?.value)

        if let unitNode = fields["unit"]?.value, let unit = string(unitNode, at("unit")) {
            if checkUnit(unit, unitNode, at("unit"), hasInstances: hasInstances) { app.unit = unit }
        }
        for (key, keyPath) in [("directory", \AppSpec.directory), ("env_file", \AppSpec.envFile)] {
            guard let valueNode = fields[key]?.value, let text = string(valueNode, at(key)) else { continue }
            if checkPathTemplate(text, valueNode, at(key), app: path, hasInstances: hasInstances) {
                app[keyPath: keyPath] = text
            }
        }
        if let healthNode = fields["health"]?.value, let health = string(healthNode, at("health")) {
            if health.hasPrefix("/") && !health.contains(where: \.isWhitespace) {
                app.health = health
            } else {
                report(healthNode, at("health"),
                       "expected a URL path like \"/health\", got \(Self.describe(value: health))")
            }
        }
        if let backupNode = fields["backup"]?.value {
            app.backup = backup(backupNode, at("backup"), app: path, hasInstances: hasInstances)
        }
        if let deployNode = fields["deploy"]?.value {
            app.deploy = deploy(deployNode, at("deploy"), app: path, hasInstances: hasInstances)
        }
        return app
    }

    private func hasEntries(_ node: Node?) -> Bool {
        guard case .mapping(let mapping)? = node else { return false }
        return !mapping.isEmpty
    }

    /// A service unit file name: `web.service`, or the template `web@.service` when the app has instances.
    private mutating func checkUnit(_ unit: String, _ node: Node, _ path: String, hasInstances: Bool) -> Bool {
        let allowed: (Character) -> Bool = { $0.isASCII && ($0.isLetter || $0.isNumber || ":_.-\\@".contains($0)) }
        let base = unit.hasSuffix(".service") ? String(unit.dropLast(".service".count)) : ""
        guard !base.isEmpty, base.allSatisfy(allowed), base.filter({ $0 == "@" }).count <= 1, base.first != "@" else {
            report(node, path, "expected a systemd service like \"web.service\" or \"web@.service\", got "
                   + Self.describe(value: unit))
            return false
        }
        let isTemplate = base.hasSuffix("@")
        if hasInstances && !isTemplate {
            report(node, path, "\(Self.describe(value: unit)) is not a template; "
                   + "an app with instances needs a unit like \"\(base.split(separator: "@").first ?? "")@.service\"")
            return false
        }
        if !hasInstances && isTemplate {
            report(node, path, "\(Self.describe(value: unit)) is a template; declare the app's instances under instances")
            return false
        }
        return true
    }

    /// An absolute path whose only placeholder is `{instance}`, used only when the app has instances.
    mutating func checkPathTemplate(_ text: String, _ node: Node, _ path: String, app: String,
                                           hasInstances: Bool) -> Bool {
        guard text.hasPrefix("/") else {
            report(node, path, "expected an absolute path, got \(Self.describe(value: text))")
            return false
        }
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            guard let close = rest[open...].firstIndex(of: "}") else {
                report(node, path, "unclosed \"{\"; the only placeholder is {instance}")
                return false
            }
            let placeholder = String(rest[open...close])
            guard placeholder == "{instance}" else {
                report(node, path, "unknown placeholder \(Self.describe(value: placeholder)); "
                       + "the only placeholder is {instance}")
                return false
            }
            rest = rest[rest.index(after: close)...]
        }
        if text.contains("{instance}") && !hasInstances {
            report(node, path, "uses {instance} but \(app) has no instances")
            return false
        }
        return true
    }

    // MARK: - Instances

    private mutating func instances(_ node: Node, _ path: String, app: String,
                                    claims: inout [Int: [PortClaim]]) -> [InstanceSpec] {
        guard let entries = entries(node, path) else { return [] }
        var result: [InstanceSpec] = []
        for entry in entries {
            let instancePath = Self.join(path, entry.name)
            let validName = Self.isValidName(entry.name)
            if !validName { report(entry.key, instancePath, "invalid instance name; \(Self.nameRule)") }
            guard let fields = fields(entry.value, instancePath, known: Self.instanceKeys) else { continue }
            func at(_ key: String) -> String { Self.join(instancePath, key) }

            var instance = InstanceSpec(name: entry.name)
            if let node = fields["production"]?.value, let production = bool(node, at("production")) {
                instance.production = production
                instance.declaredProduction = production
            }
            if let node = fields["bind"]?.value, let bind = string(node, at("bind")) {
                if IPAddress.isValid(bind) {
                    instance.bind = bind
                } else {
                    report(node, at("bind"), "expected an IP address like 127.0.0.1 or ::1, got "
                           + Self.describe(value: bind))
                }
            }
            if let portNode = fields["port"]?.value, let port = integer(portNode, at("port"), in: 1...65535) {
                let claim = PortClaim(app: app, instance: entry.name, bind: instance.bind)
                if let other = claims[port, default: []].first(where: { Self.conflict($0.bind, claim.bind) }) {
                    let owner = other.app == app ? "instance \(other.instance)" : "\(other.app)@\(other.instance)"
                    report(portNode, at("port"), "\(port) is already used by \(owner)")
                } else {
                    claims[port, default: []].append(claim)
                    instance.port = port
                }
            }
            if validName { result.append(instance) }
        }
        return result
    }

    /// Whether two listeners on one port collide: unless both name different specific addresses, they do.
    private static func conflict(_ a: String?, _ b: String?) -> Bool {
        let wildcards: Set<String> = ["0.0.0.0", "::", "[::]", "*"]
        guard let a, let b, !wildcards.contains(a), !wildcards.contains(b) else { return true }
        return IPAddress.normalized(a) == IPAddress.normalized(b)
    }
}
