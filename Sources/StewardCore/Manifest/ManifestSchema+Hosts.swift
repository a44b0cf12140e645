import Yams

/// `hosts:` — the fleet: in the manifest of the machine Steward is run from, or in an inventory file of its own
/// (`--inventory`, ``InventoryParser``). Both read hosts with the same declarations.
extension ManifestSchema {
    /// A host as read, with the nodes of its apps (checked against the manifest's apps once the whole mapping is read).
    struct HostEntry {
        var host: FleetHost
        var apps: [(value: String, node: Node, path: String)]
    }

    struct HostDraft {
        var destination: String?
        var port: Int?
        var groups: [String] = []
        var apps: [(value: String, node: Node, path: String)] = []
    }

    static func host(_ name: String) -> ValueType<HostEntry> {
        ValueType(schema: .section(hostSection.tree), read: { reader, node, path in
            if ManifestReader.isNull(node) {
                reader.report(node, path, "empty host; give at least ssh: its destination, like root@203.0.113.7 or an alias from ~/.ssh/config")
                return nil
            }
            var draft = HostDraft()
            let before = reader.errors.count
            guard hostSection.read(node, path, into: &draft, &reader), reader.errors.count == before, let destination = draft.destination
            else { return nil }
            return HostEntry(host: FleetHost(name: name, destination: destination, port: draft.port, groups: draft.groups,
                                             apps: draft.apps.map(\.value)), apps: draft.apps)
        })  // null is refused above, with what a host needs; the schema says so (no null)
    }

    static let hostSection = Section<HostDraft>(fields: [
        Field("ssh", .string.checked(FleetNames.destinationProblem),
              doc: "How ssh reaches the host: [user@]host, or an alias from your ~/.ssh/config (its port, user and key apply).",
              required: "how ssh reaches the host, like root@203.0.113.7 or an alias from ~/.ssh/config") { _, _, _, draft, destination in
            draft.destination = destination
        },
        Field("port", .integer(1...65535), \.port, doc: "The SSH port, when not the ssh_config's (or 22)."),
        Field("groups", .list(.string, expected: "a list of group names, like [web, prod]"),
              doc: "Groups the host belongs to; --hosts takes a group's name for all its hosts.") { reader, _, _, draft, items in
            for item in items {
                if let problem = FleetNames.nameProblem(item.value, what: "group") {
                    reader.report(item.node, item.path, problem)
                } else if !draft.groups.contains(item.value) {
                    draft.groups.append(item.value)
                }
            }
        },
        Field("apps", .list(.string, expected: "a list of app instances, like [marb@prod]"),
              doc: "The app instances that run there: app or app@instance.") { reader, _, _, draft, items in
            for item in items {
                if let problem = FleetNames.appProblem(item.value) {
                    reader.report(item.node, item.path, problem)
                } else {
                    draft.apps.append(item)
                }
            }
        },
    ])

    /// The `hosts:` mapping: each name valid, none `all`, none also a group's; an app instance a host names must be
    /// one the manifest declares when it declares that app (`apps` is empty for an inventory file).
    static func readHosts(_ reader: inout ManifestReader, _ path: String, _ entries: [(name: String, key: Node, value: HostEntry?)],
                          apps: [AppSpec]) -> [FleetHost] {
        var hosts: [FleetHost] = []
        let groups = Set(entries.compactMap(\.value).flatMap(\.host.groups))
        for entry in entries {
            let at = ManifestReader.join(path, entry.name)
            if let problem = FleetNames.nameProblem(entry.name, what: "host") {
                reader.report(entry.key, at, problem)
                continue
            }
            if groups.contains(entry.name) {
                reader.report(entry.key, at, "a host and a group are both named \"\(entry.name)\"; --hosts could not tell them apart")
                continue
            }
            guard let value = entry.value else { continue }
            var valid = true
            for app in value.apps {
                let target = FleetHost.target(app.value)
                guard let instance = target.instance, let spec = apps.first(where: { $0.name == target.app }) else { continue }
                let instances = spec.instances.map(\.name)
                if !instances.contains(instance) {
                    reader.report(app.node, app.path, "app \(target.app) has no instance \(ManifestReader.describe(value: instance))"
                                  + (instances.isEmpty ? " (it declares none)" : " (it has \(instances.joined(separator: ", ")))"))
                    valid = false
                }
            }
            if valid { hosts.append(value.host) }
        }
        return hosts
    }
}

/// What a fleet's names and destinations may be.
enum FleetNames {
    /// A host or group name: an app name's rule, and not `all` (`--hosts all`).
    static func nameProblem(_ name: String, what: String) -> String? {
        if name == HostSelection.all { return "\"all\" means every host in --hosts; give the \(what) another name" }
        return ManifestReader.isValidName(name) ? nil : "invalid \(what) name \(ManifestReader.describe(value: name)); \(ManifestReader.nameRule)"
    }

    /// `app` or `app@instance`, both valid names.
    static func appProblem(_ text: String) -> String? {
        let target = FleetHost.target(text)
        guard ([target.app] + (target.instance.map { [$0] } ?? [])).allSatisfy(ManifestReader.isValidName) else {
            return "expected app or app@instance with valid names, got \(ManifestReader.describe(value: text)); \(ManifestReader.nameRule)"
        }
        return nil
    }

    /// `[user@]host`: what goes after `ssh --`. A leading `-` (read as an option by tools that take the destination
    /// without `--`), spaces, `ssh://` URLs and characters a hostname never has are refused.
    static func destinationProblem(_ text: String) -> String? {
        let example = "like root@203.0.113.7, deploy@n1.example.org or an alias from ~/.ssh/config"
        guard !text.isEmpty, !text.hasPrefix("-") else { return "expected an SSH destination \(example), got \(ManifestReader.describe(value: text))" }
        let parts = text.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count <= 2, let host = parts.last, !host.isEmpty else {
            return "expected [user@]host \(example), got \(ManifestReader.describe(value: text))"
        }
        if parts.count == 2 {
            let user = parts[0]
            guard let first = user.unicodeScalars.first, first.properties.isLowercase || first == "_",
                  user.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isLowercase || ("0"..."9").contains($0) || "_-.".unicodeScalars.contains($0)) })
            else { return "invalid SSH user \(ManifestReader.describe(value: String(user))): lowercase letters, digits, \"_\", \"-\" and \".\", starting with a letter or \"_\"" }
        }
        guard host.unicodeScalars.allSatisfy({ $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-_:".unicodeScalars.contains($0)) }),
              !host.hasPrefix("-")
        else { return "invalid host \(ManifestReader.describe(value: String(host))): a name, an address or an ssh_config alias \(example)" }
        return nil
    }
}
