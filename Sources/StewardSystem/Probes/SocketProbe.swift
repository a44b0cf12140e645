import Foundation
import StewardCore

/// Listening sockets from `/proc/net/{tcp,tcp6,udp,udp6}`, owners from `/proc/PID/fd` links, units from
/// `/proc/PID/cgroup`: what `ss -lntup` shows, without starting it.
public enum SocketProbe {
    public static func gather(_ ctx: ProbeContext) throws -> [ListeningSocket] {
        let f = ctx.files
        var entries: [(ListeningSocket.Proto, ProcParsers.SocketEntry)] = []
        var readAny = false
        for (file, proto, v6, state) in [("tcp", ListeningSocket.Proto.tcp, false, "0A"), ("tcp6", .tcp6, true, "0A"),
                                         ("udp", .udp, false, "07"), ("udp6", .udp6, true, "07")] {
            guard let text = f.readIfPresent("/proc/net/\(file)") else { continue }
            readAny = true
            entries += ProcParsers.netSockets(text, ipv6: v6, listenState: state).map { (proto, $0) }
        }
        guard readAny else { throw ProbeFailure("/proc/net/tcp is not readable") }
        let wanted = Set(entries.map { $0.1.inode }.filter { $0 != 0 })
        var owners: [Int: Int] = [:]  // inode → pid
        if !wanted.isEmpty {
            // systemd (PID 1) also holds the sockets it activates services with: the service's process is the owner
            // that tells the unit (and so the unit's port), PID 1 only when nothing else holds it.
            var settled = 0
            scan: for pid in f.list("/proc") where pid.first?.isNumber == true {
                for fd in f.list("/proc/\(pid)/fd") {
                    guard let target = f.linkTarget("/proc/\(pid)/fd/\(fd)"), target.hasPrefix("socket:[") else { continue }
                    guard let inode = Int(target.dropFirst(8).dropLast()), wanted.contains(inode), let id = Int(pid) else { continue }
                    if owners[inode] == nil || (owners[inode] == 1 && id != 1) {
                        if id != 1 { settled += 1 }
                        owners[inode] = id
                        if settled == wanted.count { break scan }
                    }
                }
            }
        }
        var processCache: [Int: (String?, String?)] = [:]
        var result: [ListeningSocket] = []
        for (proto, e) in entries {
            let pid = owners[e.inode]
            var process: String? = nil, unit: String? = nil
            if let pid {
                if processCache[pid] == nil {
                    processCache[pid] = (f.readIfPresent("/proc/\(pid)/comm")?.trimmingCharacters(in: .whitespacesAndNewlines),
                                         f.readIfPresent("/proc/\(pid)/cgroup").flatMap(ProcParsers.unit(fromCgroup:)))
                }
                (process, unit) = processCache[pid]!
            }
            let s = ListeningSocket(proto: proto, address: e.address, port: e.port, pid: pid, process: process, unit: unit)
            if !result.contains(s) { result.append(s) }
        }
        return result.sorted { ($0.port, $0.proto.rawValue, $0.address) < ($1.port, $1.proto.rawValue, $1.address) }
    }
}
