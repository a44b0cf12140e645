import Yams

/// Validates an ngrok agent configuration file against the schema of its version, as the agent itself would.
///
/// v2 had the agent settings at the top level (`authtoken`, `region`, …); v3 moved them under `agent:` and has no
/// `region` at all, so a v2 file labelled v3 fails with `field region not found in type config.v3yamlConfig`.
public enum NgrokConfig {
    public struct Parsed: Sendable, Equatable {
        public var version: String?
        public var tunnelNames: [String]
        public var tunnelPorts: [Int]
        public var problems: [String]
    }

    static let v2Keys: Set<String> = [
        "version", "authtoken", "api_key", "region", "console_ui", "console_ui_color", "log", "log_level", "log_format",
        "web_addr", "inspect_db_size", "metadata", "root_cas", "update_channel", "update_check", "proxy_url", "server_addr",
        "tunnels", "heartbeat_interval", "heartbeat_tolerance", "connect_timeout", "dns_resolver_ips", "remote_management",
        "ca_certs", "crl_noverify",
    ]
    static let v3Keys: Set<String> = ["version", "agent", "tunnels", "endpoints"]

    /// Parses and validates `text`. `startsAll` says whether the agent is started with `--all`.
    public static func parse(_ text: String, startsAll: Bool) -> Parsed {
        var parsed = Parsed(version: nil, tunnelNames: [], tunnelPorts: [], problems: [])
        let node: Node?
        do {
            node = try Yams.compose(yaml: text)
        } catch {
            parsed.problems.append("YAML does not parse: \(String(describing: error).split(separator: "\n").first ?? "")")
            return parsed
        }
        guard let root = node?.mapping else {
            parsed.problems.append("the file is empty or not a YAML mapping")
            return parsed
        }
        let keys = root.keys.compactMap(\.string)
        parsed.version = root["version"]?.string
        let version = parsed.version ?? "2"
        switch version {
        case "3":
            for key in keys where !v3Keys.contains(key) {
                parsed.problems.append("field \(key) not found in type config.v3yamlConfig"
                    + (v2Keys.contains(key) ? " (`\(key)` is a v2 setting\(key == "region" ? "; v3 has no region" : ", it moves under `agent:` in v3"))" : ""))
            }
        case "2":
            for key in keys where !v2Keys.contains(key) {
                parsed.problems.append("unknown field \(key) in a v2 configuration")
            }
        default:
            parsed.problems.append("unsupported version \"\(version)\" (the agent accepts \"2\" and \"3\")")
        }
        for section in ["tunnels", "endpoints"] {
            guard let tunnels = root[section] else { continue }
            if let mapping = tunnels.mapping {
                for (name, spec) in mapping {
                    parsed.tunnelNames.append(name.string ?? "?")
                    if let addr = spec.mapping?["addr"]?.string, let port = port(fromAddr: addr) { parsed.tunnelPorts.append(port) }
                    if let addr = spec.mapping?["upstream"]?.mapping?["url"]?.string, let port = port(fromAddr: addr) { parsed.tunnelPorts.append(port) }
                }
            } else if let list = tunnels.sequence {
                for spec in list {
                    parsed.tunnelNames.append(spec.mapping?["name"]?.string ?? "?")
                    if let addr = spec.mapping?["upstream"]?.mapping?["url"]?.string ?? spec.mapping?["addr"]?.string,
                       let port = port(fromAddr: addr) { parsed.tunnelPorts.append(port) }
                }
            }
        }
        if startsAll && parsed.tunnelNames.isEmpty {
            parsed.problems.append("Your configuration file must define at least one tunnel when using --all")
        }
        return parsed
    }

    /// `8511`, `localhost:8511`, `http://127.0.0.1:8511` → 8511.
    static func port(fromAddr addr: String) -> Int? {
        if let p = Int(addr) { return p }
        var rest = Substring(addr)
        if let scheme = rest.range(of: "://") { rest = rest[scheme.upperBound...] }
        if let slash = rest.firstIndex(of: "/") { rest = rest[..<slash] }
        guard let colon = rest.lastIndex(of: ":") else { return nil }
        return Int(rest[rest.index(after: colon)...])
    }

    /// The edit that fixes the problems found.
    public static func fix(for facts: NgrokFacts) -> String {
        var steps: [String] = []
        if facts.problems.contains(where: { $0.contains("field region") }) {
            steps.append("remove the top-level `region:` (v3 has none) and move `authtoken:` under `agent:`")
        } else if facts.problems.contains(where: { $0.contains("not found in type config.v3") }) {
            steps.append("move v2 settings under `agent:` as the v3 schema requires")
        }
        if facts.problems.contains(where: { $0.contains("at least one tunnel") }) {
            steps.append("add a tunnel (`tunnels: { app: { proto: http, addr: 127.0.0.1:PORT } }`) or start the agent with `--none` instead of `--all`")
        }
        if steps.isEmpty { steps.append("correct the fields named above") }
        return steps.joined(separator: "; ")
    }
}
