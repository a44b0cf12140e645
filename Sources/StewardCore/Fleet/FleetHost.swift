/// One host of a fleet, as the operator declares it (`hosts:` of the manifest, or an inventory file): the name
/// Steward calls it by, how OpenSSH reaches it, the groups it belongs to and the app instances that live there.
///
/// Steward reaches a host with the system's `ssh` and the operator's own `~/.ssh/config` and `known_hosts`, so the
/// destination may be an alias defined there; the port, when given, overrides the config's.
public struct FleetHost: Sendable, Equatable, Codable {
    /// The host's name in `--hosts` and in output; unique in the inventory, and never a group's name.
    public var name: String
    /// `ssh`'s destination: `[user@]host` or an alias from the operator's ssh_config.
    public var destination: String
    /// `ssh -p`; nil keeps the ssh_config's (or 22).
    public var port: Int?
    /// The groups it belongs to, in file order (`web`, `prod`).
    public var groups: [String]
    /// The app instances that run there, `app` or `app@instance`, in file order.
    public var apps: [String]

    public init(name: String, destination: String, port: Int? = nil, groups: [String] = [], apps: [String] = []) {
        self.name = name
        self.destination = destination
        self.port = port
        self.groups = groups
        self.apps = apps
    }

    /// Whether `app` (and, when given, `instance`) is one the host runs: `marb@prod` matches `marb@prod` and the
    /// whole app `marb`; `marb` matches every instance of it.
    public func runs(app: String, instance: String?) -> Bool {
        apps.contains { entry in
            let target = Self.target(entry)
            guard target.app == app else { return false }
            guard let instance, let own = target.instance else { return true }
            return own == instance
        }
    }

    /// `app` or `app@instance` as its parts; `app@` has the empty instance.
    public static func target(_ entry: String) -> (app: String, instance: String?) {
        let parts = entry.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
        return (parts[0], parts.count == 2 ? parts[1] : nil)
    }
}

/// The hosts of a fleet, in file order.
public struct FleetInventory: Sendable, Equatable, Codable {
    public var hosts: [FleetHost]

    public init(hosts: [FleetHost] = []) {
        self.hosts = hosts
    }

    public static let empty = FleetInventory()

    /// The groups, in the order they first appear.
    public var groups: [String] {
        var seen = Set<String>()
        return hosts.flatMap(\.groups).filter { seen.insert($0).inserted }
    }

    public func host(named name: String) -> FleetHost? {
        hosts.first { $0.name == name }
    }
}
