/// What `--hosts` names: `all`, or a comma-separated list of host and group names (`web,db1`), resolved against the
/// inventory to hosts in the inventory's order, each once. Pure, so the CLI and the daemon resolve alike.
public enum HostSelection {
    /// The reserved word for every host; no host or group may take it.
    public static let all = "all"

    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var description: String
        public init(description: String) { self.description = description }
    }

    /// The hosts `text` names. An unknown name is an error that lists what exists (with the closest name when one is
    /// close), never silently nothing; so is an empty selection or an empty inventory.
    public static func resolve(_ text: String, in inventory: FleetInventory) throws(Failure) -> [FleetHost] {
        guard !inventory.hosts.isEmpty else {
            throw Failure(description: "--hosts needs an inventory: declare hosts under hosts: in the manifest, or give --inventory FILE")
        }
        let names = text.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingSpaces() }
        guard !names.isEmpty, !names.contains(where: \.isEmpty) else {
            throw Failure(description: "--hosts: expected all, or host and group names separated by commas, got \(quoted(text))")
        }
        let groups = inventory.groups
        var chosen = Set<String>()
        for name in names {
            if name == all {
                chosen.formUnion(inventory.hosts.map(\.name))
            } else if let host = inventory.host(named: name) {
                chosen.insert(host.name)
            } else if groups.contains(name) {
                chosen.formUnion(inventory.hosts.filter { $0.groups.contains(name) }.map(\.name))
            } else {
                let known = inventory.hosts.map(\.name) + groups
                let hint = KeySuggestion.closest(to: name, in: known).map { "; did you mean \"\($0)\"?" } ?? ""
                throw Failure(description: "--hosts: no host or group named \(quoted(name))\(hint) (hosts: "
                              + inventory.hosts.map(\.name).joined(separator: ", ")
                              + (groups.isEmpty ? "" : "; groups: " + groups.joined(separator: ", ")) + ")")
            }
        }
        return inventory.hosts.filter { chosen.contains($0.name) }
    }

    /// A name from the command line in a message: ``ManifestReader/describe(value:)``, which never echoes a long or
    /// credential-like value.
    static func quoted(_ text: String) -> String { ManifestReader.describe(value: text) }
}
