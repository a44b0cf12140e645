/// Host keys for `steward hosts trust`: what `ssh-keyscan` offered, read strictly, and the known_hosts lines that
/// record them. Pure; the command shows the keys' fingerprints and writes only when told to (`--yes`).
public enum HostKeys {
    /// One public key a host offered.
    public struct Key: Sendable, Equatable {
        public var type: String
        public var base64: String
        public init(type: String, base64: String) {
            self.type = type
            self.base64 = base64
        }
    }

    /// The key types read, strongest first: the order keys are shown and written in (ssh-keyscan's varies).
    static let types = ["ssh-ed25519", "ecdsa-sha2-nistp256", "ecdsa-sha2-nistp384", "ecdsa-sha2-nistp521", "ssh-rsa"]

    /// The keys in `ssh-keyscan`'s output (`host type base64` per line, `#` comments), each once, strongest type
    /// first. A line that is
    /// not a key of a known type in base64 is skipped: whatever answered on that port does not choose what gets
    /// written to known_hosts.
    public static func parseScan(_ output: String) -> [Key] {
        var keys: [Key] = []
        for line in output.split(whereSeparator: \.isNewline) where !line.hasPrefix("#") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true)
            guard fields.count >= 3, types.contains(String(fields[1])), isBase64(fields[2]) else { continue }
            let key = Key(type: String(fields[1]), base64: String(fields[2]))
            if !keys.contains(key) { keys.append(key) }
        }
        return keys.sorted { (types.firstIndex(of: $0.type) ?? types.count) < (types.firstIndex(of: $1.type) ?? types.count) }
    }

    /// The name known_hosts files know a host by: `host`, or `[host]:port` for a port other than 22.
    public static func pattern(host: String, port: Int) -> String {
        port == 22 ? host : "[\(host)]:\(port)"
    }

    /// The known_hosts lines for `keys` of the host: `PATTERN TYPE BASE64`.
    public static func lines(_ keys: [Key], host: String, port: Int) -> String {
        keys.map { "\(pattern(host: host, port: port)) \($0.type) \($0.base64)\n" }.joined()
    }

    /// What `ssh -G` says ssh would use for a host (aliases resolved).
    public struct Effective: Sendable, Equatable {
        public var host: String
        public var port: Int
        /// The first user known_hosts file.
        public var knownHosts: String?
        /// Why a direct scan would not see the key ssh checks: a `ProxyJump`/`ProxyCommand` (the scan would reach
        /// another machine) or a `HostKeyAlias` (ssh looks the key up under another name). Nil when neither is set.
        public var indirect: String?
    }

    /// The host name, port and first user known_hosts file from `ssh -G`.
    public static func effective(_ config: String) -> Effective? {
        var host: String?, port: Int?, known: String?, indirect: String?
        for line in config.split(whereSeparator: \.isNewline) {
            let parts = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard parts.count == 2 else { continue }
            switch parts[0] {
            case "hostname": host = parts[1]
            case "port": port = Int(parts[1])
            case "userknownhostsfile": known = parts[1].split(separator: " ").first.map(String.init)
            case "proxyjump", "proxycommand", "hostkeyalias": if parts[1] != "none" { indirect = parts[0] }
            default: break
            }
        }
        guard let host, let port, !host.isEmpty, !host.hasPrefix("-"), host.allSatisfy({ !$0.isWhitespace }) else { return nil }
        return Effective(host: host, port: port, knownHosts: known, indirect: indirect)
    }

    static func isBase64(_ text: Substring) -> Bool {
        !text.isEmpty && text.unicodeScalars.allSatisfy { $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || "+/=".unicodeScalars.contains($0)) }
    }
}
