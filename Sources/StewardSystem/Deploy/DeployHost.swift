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

    public static let live = DeployHost(
        tool: { CommandRunner.resolve($0) },
        freeBytes: { path in
            var st = statvfs()
            guard statvfs(path, &st) == 0 else { return nil }
            return Int64(st.f_bavail) * Int64(st.f_frsize)
        },
        leftovers: { LeftoverProcesses.find(under: $0, excludingUnits: $1) })
}
