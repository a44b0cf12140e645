import Foundation
import StewardCore
#if canImport(Glibc)
import Glibc
#endif

/// Host identity, uptime, load, memory and the busiest processes, all read from `/proc` (no process spawned).
public enum HostProbe {
    public static func gather(_ ctx: ProbeContext) throws -> HostFacts {
        let f = ctx.files
        guard let meminfo = f.readIfPresent("/proc/meminfo") else { throw ProbeFailure("/proc/meminfo is not readable") }
        var uts = utsname()
        uname(&uts)
        func field<T>(_ value: T) -> String {
            withUnsafeBytes(of: value) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        }
        let hostname = (f.readIfPresent("/proc/sys/kernel/hostname") ?? field(uts.nodename)).trimmingCharacters(in: .whitespacesAndNewlines)
        let kernel = "\(field(uts.sysname)) \((f.readIfPresent("/proc/sys/kernel/osrelease") ?? field(uts.release)).trimmingCharacters(in: .whitespacesAndNewlines))"
        let uptime = ProcParsers.uptime(f.readIfPresent("/proc/uptime") ?? "0")
        return HostFacts(
            hostname: hostname, kernel: kernel, architecture: field(uts.machine), uptimeSeconds: uptime,
            load: ProcParsers.loadavg(f.readIfPresent("/proc/loadavg") ?? ""),
            cpuCount: max(1, sysconf(Int32(_SC_NPROCESSORS_ONLN))),
            memory: ProcParsers.meminfo(meminfo),
            filesystems: [],
            topProcesses: topProcesses(f, uptime: uptime))
    }

    /// The five processes with the highest lifetime CPU share, as `ps` computes `%CPU`.
    static func topProcesses(_ f: HostFiles, uptime: Int) -> [ProcessFacts] {
        let hz = Double(sysconf(Int32(_SC_CLK_TCK)))
        let pageSize = Int64(sysconf(Int32(_SC_PAGESIZE)))
        var result: [ProcessFacts] = []
        for entry in f.list("/proc") where entry.first?.isNumber == true {
            guard let text = f.readIfPresent("/proc/\(entry)/stat"), let stat = ProcParsers.stat(text) else { continue }
            let elapsed = Double(uptime) - Double(stat.startTicks) / hz
            let cpu = elapsed > 0 && hz > 0 ? Double(stat.cpuTicks) / hz / elapsed * 100 : 0
            result.append(ProcessFacts(pid: stat.pid, user: "", command: stat.comm, cpuPercent: cpu.isFinite ? cpu : 0,
                                       rssBytes: stat.rssPages.multipliedReportingOverflow(by: pageSize).partialValue))
        }
        result.sort { ($0.cpuPercent, $1.pid) > ($1.cpuPercent, $0.pid) }
        return result.prefix(5).map { p in
            var p = p
            p.user = owner(f, pid: p.pid)
            if let cmdline = f.readIfPresent("/proc/\(p.pid)/cmdline"), !cmdline.isEmpty {
                let argv = cmdline.split(separator: "\0").map(String.init)
                p.command = String(Redactor.scrub(argv).joined(separator: " ").prefix(200))
            }
            return p
        }
    }

    static func owner(_ f: HostFiles, pid: Int) -> String {
        let info = f.info("/proc/\(pid)")
        return info.exists ? info.owner : "?"
    }

    /// `/` and the filesystems that hold the given directories, each once, with what `statvfs` says of them.
    ///
    /// Each `statvfs` runs on a thread of its own (``BlockingCall``), all at once, and is waited for at most `timeout`:
    /// a stale NFS mount cannot hang the run. The mount points that did not answer are `unanswered`; the others
    /// are still told.
    public static func filesystems(_ f: HostFiles, holding dirs: [String], timeout: Duration) async throws
        -> (filesystems: [FilesystemFacts], unanswered: [String]) {
        guard let text = f.readIfPresent("/proc/self/mounts") else { throw ProbeFailure("/proc/self/mounts is not readable") }
        let mounts = ProcParsers.mounts(text)
        var byMount: [String: (ProcParsers.Mount, [String])] = [:]
        var order: [String] = []
        for dir in ["/"] + dirs {
            guard let m = ProcParsers.mount(holding: dir, in: mounts) else { continue }
            if byMount[m.mountPoint] == nil { order.append(m.mountPoint); byMount[m.mountPoint] = (m, []) }
            if !byMount[m.mountPoint]!.1.contains(dir) { byMount[m.mountPoint]!.1.append(dir) }
        }
        let usage = await withTaskGroup(of: (String, Usage?).self) { group in
            for point in order {
                group.addTask {
                    (point, await BlockingCall.run(on: f.path(point), timeout: timeout) { Usage(f.filesystemUsage(point)) })
                }
            }
            var answers: [String: Usage] = [:]
            for await (point, answer) in group { answers[point] = answer }
            return answers
        }
        let facts = order.compactMap { point -> FilesystemFacts? in
            let (m, holds) = byMount[point]!
            guard let u = usage[point]?.value else { return nil }
            return FilesystemFacts(mountPoint: point, device: m.device, fsType: m.fsType, sizeBytes: u.size,
                                   usedBytes: u.used, availableBytes: u.available, holds: holds)
        }
        return (facts, order.filter { usage[$0] == nil })
    }

    /// What `statvfs` answered (nil when it failed), told apart from no answer at all.
    private struct Usage: Sendable {
        var value: (size: Int64, used: Int64, available: Int64)?
        init(_ value: (size: Int64, used: Int64, available: Int64)?) { self.value = value }
    }

    /// The reason given for mount points whose `statvfs` did not answer.
    public static func unansweredReason(_ points: [String], timeout: Duration) -> String {
        "statvfs of \(points.joined(separator: ", ")) did not answer within \(BlockingCall.seconds(timeout))"
    }

    /// The system's python3 minor version from where `/usr/bin/python3` points (`python3.11` → `3.11`), without starting it.
    public static func systemPython(_ f: HostFiles) -> String? {
        var path = "/usr/bin/python3"
        for _ in 0..<4 {
            guard let target = f.linkTarget(path) else { break }
            path = target.hasPrefix("/") ? target : "/usr/bin/" + target
        }
        let name = path.split(separator: "/").last ?? ""
        if name.hasPrefix("python3."), f.exists(path) { return String(name.dropFirst("python".count)) }
        // Not a versioned link: the newest standard library directory names the version.
        guard f.exists("/usr/bin/python3") else { return nil }
        let versions = f.list("/usr/lib").filter { $0.hasPrefix("python3.") && f.exists("/usr/lib/\($0)/os.py") }
            .compactMap { dir -> (Int, String)? in Int(dir.dropFirst("python3.".count)).map { ($0, String(dir.dropFirst("python".count))) } }
        return versions.max { $0.0 < $1.0 }?.1
    }
}
