import Yams

extension ManifestReader {
    static let nameRule = "use letters, digits, \"_\", \".\" and \"-\", starting with a letter or digit"

    /// The app being read: its name and path, and whether it has instances (known once `instances` is read).
    struct AppScope {
        var name: String
        var path: String
        var hasInstances = false
    }

    /// A port already declared, to find two instances that would listen on the same socket.
    struct PortClaim {
        var app: String
        var instance: String
        var bind: String?
    }

    /// Claims `port` for an instance of the current app; false (and reported) when another instance has it.
    mutating func claimPort(_ port: Int, instance: String, bind: String?, _ node: Node, _ path: String) -> Bool {
        let app = self.app?.name ?? ""
        let claim = PortClaim(app: app, instance: instance, bind: bind)
        if let other = portClaims[port, default: []].first(where: { Self.conflict($0.bind, claim.bind) }) {
            let owner = other.app == app ? "instance \(other.instance)" : "\(other.app)@\(other.instance)"
            report(node, path, "\(port) is already used by \(owner)")
            return false
        }
        portClaims[port, default: []].append(claim)
        return true
    }

    /// Whether two listeners on one port collide: unless both name different specific addresses, they do.
    private static func conflict(_ a: String?, _ b: String?) -> Bool {
        let wildcards: Set<String> = ["0.0.0.0", "::", "[::]", "*"]
        guard let a, let b, !wildcards.contains(a), !wildcards.contains(b) else { return true }
        return IPAddress.normalized(a) == IPAddress.normalized(b)
    }

    /// A service unit file name: `web.service`, or the template `web@.service` when the app has instances.
    mutating func checkUnit(_ unit: String, _ node: Node, _ path: String) -> Bool {
        let hasInstances = app?.hasInstances ?? false
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

    /// An absolute path whose only placeholder is `{instance}`, used only when the current app has instances.
    mutating func checkPathTemplate(_ text: String, _ node: Node, _ path: String) -> Bool {
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
        if text.contains("{instance}") && !(app?.hasInstances ?? false) {
            report(node, path, "uses {instance} but \(app?.path ?? "the app") has no instances")
            return false
        }
        return true
    }
}
