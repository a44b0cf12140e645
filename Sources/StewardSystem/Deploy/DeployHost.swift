import Foundation
import StewardCore

/// What the deploy engine asks of its host outside the instance's own tree: whether a tool is installed, the free
/// space under the app, and the processes an interrupted deploy may have left working there. Values, so a unit
/// test hands in answers (a full disk, a leftover `manage.py migrate`) without a host that has them.
public struct DeployHost: Sendable {
    /// The path a tool runs from, or nil when it is not installed: looked up in Steward's fixed PATH (the one
    /// ``CommandRunner`` runs it with), never the PATH Steward was started with.
    var tool: @Sendable (String) -> String?
    /// Bytes available to unprivileged users on the filesystem of a path (as `df`), nil when that cannot be told.
    var freeBytes: @Sendable (String) -> Int64?
    /// Processes working under the directories (not the given units' own).
    var leftovers: @Sendable (_ directories: [String], _ excludingUnits: [String]) -> [LeftoverProcesses.Found]
    /// blue-green's drain: established TCP connections with the port at either end (`/proc/net/tcp` and `tcp6`).
    var connections: @Sendable (_ port: Int) -> Int = { _ in 0 }
    /// blue-green's switch and drain: nginx's worker processes now (those of a reload's old configuration say they
    /// are shutting down, and exit once they have finished their requests).
    var nginxWorkers: @Sendable () -> [NginxWorker] = { [] }
    /// Whether a process is still there.
    var alive: @Sendable (Int32) -> Bool = { kill($0, 0) == 0 || errno == EPERM }

    public static let live = DeployHost(
        tool: { CommandRunner.resolve($0) },
        freeBytes: { path in
            var st = statvfs()
            guard statvfs(path, &st) == 0 else { return nil }
            return Int64(st.f_bavail) * Int64(st.f_frsize)
        },
        leftovers: { LeftoverProcesses.find(under: $0, excludingUnits: $1) },
        connections: { port in
            ["/proc/net/tcp", "/proc/net/tcp6"].reduce(0) { count, file in
                guard let data = try? BoundedFile.read(file, limit: 64 << 20) else { return count }
                return count + ProcParsers.establishedConnections(String(decoding: data, as: UTF8.self), port: port)
            }
        },
        nginxWorkers: {
            // The host's nginx only: children of the master in /run/nginx.pid (an nginx in a container, or another
            // instance, has workers of the same title that a reload of this one never replaces).
            let master = (try? BoundedFile.read("/run/nginx.pid", limit: 64)).flatMap { Int32(String(decoding: $0, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)) }
            // The switch asks every 20 ms: the master's own list of children when the kernel keeps one, rather than
            // every process of the host.
            let children = master.flatMap { try? BoundedFile.read("/proc/\($0)/task/\($0)/children", limit: 64 * 1024) }
                .map { String(decoding: $0, as: UTF8.self).split(separator: " ").compactMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) } }
            let pids = children ?? ((try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []).compactMap { Int32($0) }
            return pids.compactMap { pid in
                guard let data = try? BoundedFile.read("/proc/\(pid)/cmdline", limit: 4096),
                      let worker = NginxWorker(pid: pid, title: String(decoding: data, as: UTF8.self)) else { return nil }
                if let master, let stat = try? BoundedFile.read("/proc/\(pid)/stat", limit: 4096),
                   NginxWorker.parentPID(stat: String(decoding: stat, as: UTF8.self)) != master { return nil }
                return worker
            }
        })
}

/// One of nginx's worker processes, told by the title nginx gives it (`nginx: worker process`, and after a reload
/// `nginx: worker process is shutting down` for the old configuration's).
struct NginxWorker: Sendable, Equatable {
    var pid: Int32
    var shuttingDown: Bool

    init(pid: Int32, shuttingDown: Bool) {
        self.pid = pid
        self.shuttingDown = shuttingDown
    }

    /// The parent pid in `/proc/PID/stat` (the field after the state, which follows the last `)`).
    static func parentPID(stat: String) -> Int32? {
        guard let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        return fields.count > 1 ? Int32(fields[1]) : nil
    }

    /// Nil for any other process.
    init?(pid: Int32, title: String) {
        guard title.hasPrefix("nginx: worker process") else { return nil }
        self.init(pid: pid, shuttingDown: title.hasPrefix("nginx: worker process is shutting down"))
    }
}
