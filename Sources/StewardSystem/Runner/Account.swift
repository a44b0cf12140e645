import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A user account from the host's database, as the runner needs it to start a command as that user: ids, groups,
/// home and shell (what `runuser -u` would have set).
struct Account: Sendable, Equatable {
    var uid: uid_t
    var gid: gid_t
    var groups: [gid_t]
    var home: String
    var shell: String

    /// The account name of `uid`, nil when it has none: `getpwuid_r`, since probes and commands run from many tasks
    /// at once (plain `getpwuid` shares one static buffer). The one uid-to-name lookup of StewardSystem.
    static func name(of uid: uid_t) -> String? {
        var pw = passwd(), result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getpwuid_r(uid, &pw, &buffer, buffer.count, &result) == 0, result != nil, let name = pw.pw_name else { return nil }
        return String(cString: name)
    }

    /// `getpwnam_r` and `getgrouplist`: reentrant, since commands start from many tasks at once.
    static func named(_ name: String) -> Account? {
        var pw = passwd(), result: UnsafeMutablePointer<passwd>?
        var buffer = [CChar](repeating: 0, count: 16 * 1024)
        guard getpwnam_r(name, &pw, &buffer, buffer.count, &result) == 0, result != nil else { return nil }
        let home = pw.pw_dir.map { String(cString: $0) } ?? "/"
        let shell = pw.pw_shell.map { String(cString: $0) } ?? "/bin/sh"
        var count: Int32 = 64
        var groups = [gid_t](repeating: 0, count: Int(count))
        if getgrouplist(name, pw.pw_gid, &groups, &count) < 0 {
            groups = [gid_t](repeating: 0, count: Int(count))
            guard getgrouplist(name, pw.pw_gid, &groups, &count) >= 0 else { return nil }
        }
        return Account(uid: pw.pw_uid, gid: pw.pw_gid, groups: Array(groups.prefix(Int(count))), home: home, shell: shell)
    }
}
