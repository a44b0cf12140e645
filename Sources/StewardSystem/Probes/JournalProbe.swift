import StewardCore

/// The journal, read with bounded windows and fields: one call for all app units, one for kernel OOM kills,
/// one for sshd failures, run concurrently.
public enum JournalProbe {
    public static func unitLogs(_ ctx: ProbeContext, units: [String]) async throws -> [UnitLogFacts] {
        guard !units.isEmpty else { return [] }
        let out = try await ctx.output(Journalctl.unitMessages(units: units, sinceHours: ctx.windowHours))
        return JournalAnalyzer.unitLogs(JournalAnalyzer.entries(fromJSONLines: out), units: units)
    }

    public static func hostLogs(_ ctx: ProbeContext) async throws -> HostLogFacts {
        // journalctl --grep exits 1, silently, when nothing matches: that is "none", not a failure.
        async let oom = ctx.output(Journalctl.oomKills(sinceHours: ctx.windowHours), quietExitCodes: [1])
        async let ssh = ctx.output(Journalctl.sshFailures(sinceHours: ctx.windowHours), quietExitCodes: [1])
        return JournalAnalyzer.hostLogs(oom: JournalAnalyzer.entries(fromJSONLines: try await oom),
                                        ssh: JournalAnalyzer.entries(fromJSONLines: try await ssh))
    }
}
