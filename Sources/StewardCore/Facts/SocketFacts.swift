/// A listening socket and who owns it.
public struct ListeningSocket: Sendable, Codable, Equatable {
    public enum Proto: String, Sendable, Codable { case tcp, tcp6, udp, udp6 }
    public var proto: Proto
    public var address: String
    public var port: Int
    public var pid: Int?
    public var process: String?
    /// The systemd unit of the owning process, from `/proc/PID/cgroup`.
    public var unit: String?

    public init(proto: Proto, address: String, port: Int, pid: Int? = nil, process: String? = nil, unit: String? = nil) {
        self.proto = proto
        self.address = address
        self.port = port
        self.pid = pid
        self.process = process
        self.unit = unit
    }

    /// Bound to every interface (`0.0.0.0`, `::` or `*`): reachable from outside unless a firewall says no.
    public var isWildcard: Bool { address == "0.0.0.0" || address == "::" || address == "*" }
    public var endpoint: String { address.contains(":") ? "[\(address)]:\(port)" : "\(address):\(port)" }
}
