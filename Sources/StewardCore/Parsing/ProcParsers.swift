import Foundation

/// Parsers for the `/proc` files the host and socket probes read directly (no process spawned).
public enum ProcParsers {
    /// `/proc/meminfo` → memory facts (values there are in KiB).
    public static func meminfo(_ text: String) -> MemoryFacts {
        var kb: [String: Int64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
            if parts.count >= 2, let v = Int64(parts[1]), v >= 0, v < Int64.max / 1024 { kb[String(parts[0])] = v }
        }
        let total = kb["MemTotal"] ?? 0
        let available = kb["MemAvailable"] ?? ((kb["MemFree"] ?? 0) + (kb["Buffers"] ?? 0) + (kb["Cached"] ?? 0))
        return MemoryFacts(totalBytes: total * 1024, availableBytes: available * 1024,
                           swapTotalBytes: (kb["SwapTotal"] ?? 0) * 1024, swapFreeBytes: (kb["SwapFree"] ?? 0) * 1024)
    }

    /// `/proc/loadavg` → the three load averages.
    public static func loadavg(_ text: String) -> [Double] {
        text.split(separator: " ").prefix(3).compactMap { Double($0) }.filter(\.isFinite)
    }

    /// `/proc/uptime` → whole seconds.
    public static func uptime(_ text: String) -> Int {
        guard let seconds = Double(text.split(separator: " ").first ?? "0"), seconds.isFinite, seconds >= 0, seconds < 1e15 else { return 0 }
        return Int(seconds)
    }

    public struct Mount: Sendable, Equatable {
        public var device: String
        public var mountPoint: String
        public var fsType: String
    }

    /// `/proc/self/mounts` → mounts, with octal escapes (`\040` for space) decoded.
    public static func mounts(_ text: String) -> [Mount] {
        text.split(separator: "\n").compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 3 else { return nil }
            return Mount(device: unescape(String(f[0])), mountPoint: unescape(String(f[1])), fsType: String(f[2]))
        }
    }

    static func unescape(_ s: String) -> String {
        // Bytes, not Foundation's `contains(_: StringProtocol)`, which bridges each field to NSString: this runs for
        // every field of every mount each time a blocking call looks up its mount.
        guard s.utf8.contains(UInt8(ascii: "\\")) else { return s }
        var out = ""
        var chars = Array(s)
        var i = 0
        while i < chars.count {
            if chars[i] == "\\", i + 3 < chars.count, let v = Int(String(chars[(i + 1)...(i + 3)]), radix: 8), let u = Unicode.Scalar(v) {
                out.append(Character(u))
                i += 4
            } else {
                out.append(chars[i])
                i += 1
            }
        }
        chars = []
        return out
    }

    /// The mount that holds `path`: the longest mount point that is a prefix of it.
    public static func mount(holding path: String, in mounts: [Mount]) -> Mount? {
        // The first of the longest, as `max(by:)` gave it; lengths in bytes (O(1)), not in Characters.
        var best: Mount?
        for m in mounts where m.mountPoint == "/" || path == m.mountPoint || path.hasPrefix(m.mountPoint + "/") {
            if best.map({ m.mountPoint.utf8.count > $0.mountPoint.utf8.count }) ?? true { best = m }
        }
        return best
    }

    public struct SocketEntry: Sendable, Equatable {
        public var address: String
        public var port: Int
        public var inode: Int
    }

    /// `/proc/net/tcp` or `tcp6` → listening sockets (state `0A`); for `udp`, bound sockets (state `07`).
    public static func netSockets(_ text: String, ipv6: Bool, listenState: String = "0A") -> [SocketEntry] {
        text.split(separator: "\n").dropFirst().compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 10, f[3] == listenState else { return nil }
            let local = f[1].split(separator: ":")
            guard local.count == 2, let port = Int(local[1], radix: 16), let inode = Int(f[9]) else { return nil }
            return SocketEntry(address: ipv6 ? ipv6Address(String(local[0])) : ipv4Address(String(local[0])), port: port, inode: inode)
        }
    }

    /// `/proc/net/tcp` or `tcp6` → how many established connections (state `01`) have `port` at either end: the
    /// connections nginx still holds to a slot being drained.
    public static func establishedConnections(_ text: String, port: Int) -> Int {
        text.split(separator: "\n").dropFirst().reduce(0) { count, line in
            let f = line.split(separator: " ")
            guard f.count >= 4, f[3] == "01" else { return count }
            let ends = [f[1], f[2]].compactMap { $0.split(separator: ":").last.flatMap { Int($0, radix: 16) } }
            return ends.contains(port) ? count + 1 : count
        }
    }

    /// `0100007F` → `127.0.0.1` (little-endian words).
    static func ipv4Address(_ hex: String) -> String {
        guard let v = UInt32(hex, radix: 16) else { return hex }
        return [v & 0xff, (v >> 8) & 0xff, (v >> 16) & 0xff, (v >> 24) & 0xff].map(String.init).joined(separator: ".")
    }

    /// 32 hex digits in four little-endian words → compressed IPv6 text (`::`, `::1`, `::ffff:127.0.0.1`).
    static func ipv6Address(_ hex: String) -> String {
        guard hex.count == 32 else { return hex }
        let chars = Array(hex)
        var bytes: [UInt8] = []
        for word in 0..<4 {
            let w = chars[(word * 8)..<(word * 8 + 8)]
            let wordBytes = stride(from: 0, to: 8, by: 2).compactMap { UInt8(String(w[w.startIndex + $0...w.startIndex + $0 + 1]), radix: 16) }
            bytes += wordBytes.reversed()
        }
        guard bytes.count == 16 else { return hex }
        if bytes[0..<10].allSatisfy({ $0 == 0 }) && bytes[10] == 0xff && bytes[11] == 0xff {
            return "::ffff:" + bytes[12...].map(String.init).joined(separator: ".")
        }
        let groups = stride(from: 0, to: 16, by: 2).map { Int(bytes[$0]) << 8 | Int(bytes[$0 + 1]) }
        // Longest run of zero groups becomes "::".
        var bestStart = -1, bestLen = 0, i = 0
        while i < 8 {
            if groups[i] == 0 {
                var j = i
                while j < 8 && groups[j] == 0 { j += 1 }
                if j - i > bestLen { bestStart = i; bestLen = j - i }
                i = j
            } else { i += 1 }
        }
        let hexGroups = groups.map { String($0, radix: 16) }
        if bestLen < 2 { return hexGroups.joined(separator: ":") }
        let head = hexGroups[..<bestStart].joined(separator: ":")
        let tail = hexGroups[(bestStart + bestLen)...].joined(separator: ":")
        return head + "::" + tail
    }

    /// `/proc/PID/cgroup` → the systemd service unit it belongs to (`0::/system.slice/app@prod.service`).
    public static func unit(fromCgroup text: String) -> String? {
        for line in text.split(separator: "\n") {
            let path = line.split(separator: ":", maxSplits: 2).last ?? ""
            for component in path.split(separator: "/").reversed() where component.hasSuffix(".service") {
                return String(component)
            }
        }
        return nil
    }

    public struct ProcStat: Sendable, Equatable {
        public var pid: Int
        public var comm: String
        /// utime + stime, in clock ticks.
        public var cpuTicks: Int64
        /// Start time after boot, in clock ticks.
        public var startTicks: Int64
        public var rssPages: Int64
    }

    /// `/proc/PID/stat`; `comm` may hold spaces and parentheses, so fields are counted from the last `)`.
    public static func stat(_ text: String) -> ProcStat? {
        guard let open = text.firstIndex(of: "("), let close = text.lastIndex(of: ")"),
              let pid = Int(text[..<open].trimmingCharacters(in: .whitespaces)) else { return nil }
        let comm = String(text[text.index(after: open)..<close])
        let f = text[text.index(after: close)...].split(separator: " ")
        // After ")": state(0) ppid(1) … utime(11) stime(12) … starttime(19) vsize(20) rss(21)
        guard f.count > 21, let ut = Int64(f[11]), let st = Int64(f[12]), let start = Int64(f[19]), let rss = Int64(f[21]) else { return nil }
        return ProcStat(pid: pid, comm: comm, cpuTicks: ut + st, startTicks: start, rssPages: rss)
    }
}
