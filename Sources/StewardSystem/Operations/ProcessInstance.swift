import Foundation
import StewardCore

/// Names one process for its whole life: the boot's id and the process's start time (clock ticks after boot, from
/// `/proc/PID/stat`). A pid is reused; this pair is not, so a lease whose holder's token no longer matches was left
/// by a process that is gone, even when another process now has its pid.
enum ProcessInstance {
    /// The token of `pid` now, nil when it does not exist (or `/proc` cannot tell).
    static func token(of pid: Int32) -> String? {
        guard let stat = try? BoundedFile.text("/proc/\(pid)/stat", limit: 4096), let parsed = ProcParsers.stat(stat),
              let boot = try? BoundedFile.text("/proc/sys/kernel/random/boot_id", limit: 128) else { return nil }
        return boot.trimmingCharacters(in: .whitespacesAndNewlines) + "/" + String(parsed.startTicks)
    }

    /// This process's token, recorded with its leases.
    static let current: String = token(of: getpid()) ?? ""

    /// Whether the process that recorded `token` as `pid` on this host is gone: no such pid, or another process
    /// with it. Unknown (no token recorded, `/proc` unreadable) is not gone: the lease's expiry tells then.
    static func isGone(pid: Int32, token: String) -> Bool {
        if kill(pid, 0) != 0 && errno == ESRCH { return true }
        guard !token.isEmpty, let now = Self.token(of: pid) else { return false }
        return now != token
    }
}
