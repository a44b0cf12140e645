/// One instance of an app (`prod`, `test`): whether it is production, and where it should listen.
public struct InstanceSpec: Sendable, Equatable, Codable {
    public var name: String
    public var production: Bool
    /// What the manifest says explicitly (`production: true/false`), nil when it does not: then the audit may judge
    /// from the host (env, nginx) as well as from the name.
    public var declaredProduction: Bool?
    /// The port the instance should listen on.
    public var port: Int?
    /// The address it should listen on (`127.0.0.1` behind a proxy or tunnel); nil when any address is fine.
    public var bind: String?
    /// blue-green: the two loopback ports of its slots.
    public var slots: [Int] = []

    public init(name: String, production: Bool? = nil, port: Int? = nil, bind: String? = nil) {
        self.name = name
        self.production = production ?? InstanceSpec.defaultProduction(name: name)
        self.declaredProduction = production
        self.port = port
        self.bind = bind
    }

    /// Whether an instance is production when the manifest does not say: `prod`, `production` and `live`, in any
    /// case, are; every other name is not.
    public static func defaultProduction(name: String) -> Bool {
        ["prod", "production", "live"].contains(name.lowercased())
    }
}
