import Testing
@testable import StewardCore

@Suite("Host rules")
struct HostRuleTests {
    // MARK: host.disk-space

    typealias DiskCase = (used: Int64, available: Int64, expected: Severity?)

    /// Big filesystems, so only the percentage decides: free space stays far above 2 GiB. The percentage is the one
    /// `df` shows, rounded up, so 79.01 % counts as 80 %.
    static let percentCases: [DiskCase] = [
        (80 * GiB, 20 * GiB, .warning),          // exactly 80 %
        (79 * GiB, 21 * GiB, nil),               // exactly 79 %
        (79_900 * MiB, 20_100 * MiB, .warning),  // 79.9 %: df shows 80 %
        (79_010 * MiB, 20_990 * MiB, .warning),  // 79.01 %: df shows 80 %
        (89 * GiB, 11 * GiB, .warning),          // exactly 89 %
        (89_010 * MiB, 10_990 * MiB, .critical), // 89.01 %: df shows 90 %
        (90 * GiB, 10 * GiB, .critical),         // exactly 90 %
        (99 * GiB, 1 * GiB, .critical),
        (10 * GiB, 90 * GiB, nil),
    ]

    @Test("host.disk-space: percentage boundaries", arguments: percentCases)
    func diskPercent(_ c: DiskCase) {
        let result = findings("host.disk-space", hostFacts(filesystems: [filesystem("/srv", used: c.used, available: c.available)]))
        #expect(result.map(\.severity) == (c.expected.map { [$0] } ?? []))
        #expect(result.allSatisfy { $0.subject == "/srv" && $0.rule == "host.disk-space" })
    }

    @Test func diskPercentIsRoundedUpLikeDf() {
        #expect(filesystem(used: 79_010 * MiB, available: 20_990 * MiB).usedPercent == 80)
        #expect(filesystem(used: 79 * GiB, available: 21 * GiB).usedPercent == 79)
        #expect(filesystem(used: 0, available: 0).usedPercent == 0)
    }

    /// Filesystems under 80 %: only the free bytes decide.
    static let freeCases: [DiskCase] = [
        (6 * GiB, 2 * GiB - 1, .warning),          // just under 2 GiB free
        (6 * GiB, 2 * GiB, nil),                   // exactly 2 GiB free
        (1_600 * MiB, 512 * MiB - 1, .critical),   // just under 512 MiB free
        (1_600 * MiB, 512 * MiB, .warning),        // exactly 512 MiB: not critical, still < 2 GiB
        (1 * GiB, 1 * GiB, nil),                   // a 2 GiB filesystem cannot have 2 GiB free: percentage only
        (32 * MiB, 32 * MiB, nil),                 // a 64 MiB tmpfs half full: percentage only
    ]

    @Test("host.disk-space: free-space boundaries", arguments: freeCases)
    func diskFree(_ c: DiskCase) {
        let fs = filesystem(used: c.used, available: c.available)
        #expect(fs.usedPercent < 80)
        let result = findings("host.disk-space", hostFacts(filesystems: [fs]))
        #expect(result.map(\.severity) == (c.expected.map { [$0] } ?? []))
        #expect(result.allSatisfy { $0.subject == "/" })
    }

    @Test func smallFilesystemIsStillJudgedByPercentage() {
        let result = findings("host.disk-space", hostFacts(filesystems: [filesystem("/run", used: 60 * MiB, available: 4 * MiB)]))
        #expect(result.map { RuleSubject($0) } == [RuleSubject("host.disk-space", "/run", .critical)])
    }

    @Test func diskReportsEachFilesystemOnItsOwn() {
        let facts = hostFacts(filesystems: [
            filesystem("/", used: 95 * GiB, available: 5 * GiB),
            filesystem("/opt", used: 10 * GiB, available: 90 * GiB),
            filesystem("/var", used: 85 * GiB, available: 15 * GiB),
        ])
        let result = findings("host.disk-space", facts)
        #expect(result.map { RuleSubject($0) } == [
            RuleSubject("host.disk-space", "/", .critical), RuleSubject("host.disk-space", "/var", .warning),
        ])
    }

    @Test func diskOnN1IsAWarningForTheRootFilesystem() {
        let result = findings("host.disk-space", n1Facts())
        #expect(result.count == 1)
        #expect(result.first?.subject == "/")
        #expect(result.first?.severity == .warning)
        #expect(result.first?.summary.contains("85%") == true)
    }

    @Test func diskIsSilentWithoutHostFacts() {
        #expect(findings("host.disk-space", Facts()).isEmpty)
    }

    @Test func diskThresholdsComeFromTheManifest() {
        let facts = hostFacts(filesystems: [filesystem(used: 85 * GiB, available: 15 * GiB)])
        #expect(findings("host.disk-space", facts).map(\.severity) == [.warning])
        let relaxed = parsedManifest("""
            thresholds:
              disk_warning_percent: 95
              disk_critical_percent: 98
            """)
        #expect(findings("host.disk-space", facts, relaxed).isEmpty)
        let strict = parsedManifest("""
            thresholds:
              disk_warning_percent: 70
              disk_critical_percent: 85
            """)
        #expect(findings("host.disk-space", facts, strict).map(\.severity) == [.critical])
    }

    @Test func diskFreeThresholdsComeFromTheManifest() {
        // N1's / has 960 MiB free: under the default 2 GiB warning; lowering both limits silences it.
        let facts = n1Facts()
        let manifest = parsedManifest("""
            thresholds:
              disk_warning_percent: 95
              disk_critical_percent: 98
              disk_warning_free: 512MiB
              disk_critical_free: 256MiB
            """)
        #expect(findings("host.disk-space", facts, manifest).isEmpty)
        // The percentage alone is not enough: 960 MiB is still under the default 2 GiB free.
        let percentOnly = parsedManifest("""
            thresholds:
              disk_warning_percent: 95
              disk_critical_percent: 98
            """)
        #expect(findings("host.disk-space", facts, percentOnly).map(\.severity) == [.warning])
    }

    // MARK: host.memory-pressure

    typealias MemoryCase = (available: Int64, swapTotal: Int64, swapFree: Int64, expected: Severity?)

    /// 100 000 MiB of memory, so percentages read directly.
    static let memoryCases: [MemoryCase] = [
        (10_000 * MiB, 0, 0, .warning),                   // 90 % used
        (10_100 * MiB, 0, 0, nil),                        // 89.9 %
        (5_000 * MiB, 0, 0, .critical),                   // 95 %
        (5_010 * MiB, 0, 0, .warning),                    // 94.99 %
        (50_000 * MiB, 10_000 * MiB, 5_000 * MiB, .warning),  // swap 50 %
        (50_000 * MiB, 10_000 * MiB, 5_100 * MiB, nil),       // swap 49 %
        (50_000 * MiB, 0, 0, nil),                        // no swap at all
    ]

    @Test("host.memory-pressure: memory and swap boundaries", arguments: memoryCases)
    func memory(_ c: MemoryCase) {
        let mem = MemoryFacts(totalBytes: 100_000 * MiB, availableBytes: c.available, swapTotalBytes: c.swapTotal,
                              swapFreeBytes: c.swapFree)
        let result = findings("host.memory-pressure", hostFacts(memory: mem))
        #expect(result.map(\.severity) == (c.expected.map { [$0] } ?? []))
        #expect(result.allSatisfy { $0.subject == "memory" })
    }

    @Test func memoryIsSilentOnN1AndWithoutMemoryFacts() {
        #expect(findings("host.memory-pressure", n1Facts()).isEmpty)
        #expect(findings("host.memory-pressure", hostFacts()).isEmpty)  // totalBytes 0: not read
        #expect(findings("host.memory-pressure", Facts()).isEmpty)
    }

    // MARK: host.oom-kills

    @Test func oomKillsAreCritical() {
        let facts = Facts(hostLogs: HostLogFacts(oomKills: 2, oomVictims: ["python (pid 1275)", "node (pid 9726)"]))
        let result = findings("host.oom-kills", facts)
        #expect(result.map { RuleSubject($0) } == [RuleSubject("host.oom-kills", "kernel", .critical)])
        #expect(result.first?.evidence == ["killed: python (pid 1275)", "killed: node (pid 9726)"])
    }

    @Test func oomKillsSilentWhenNoneOrUnknown() {
        #expect(findings("host.oom-kills", n1Facts()).isEmpty)
        #expect(findings("host.oom-kills", Facts()).isEmpty)
    }

    // MARK: host.ssh-bruteforce

    @Test("host.ssh-bruteforce: 10 failed logins is the default threshold",
          arguments: [(10, true), (9, false), (0, false), (137, true)] as [(Int, Bool)])
    func sshThreshold(failed: Int, fires: Bool) {
        let facts = Facts(hostLogs: HostLogFacts(sshFailedPasswords: failed, sshSources: failed > 0 ? ["203.0.113.7": failed] : [:]))
        let result = findings("host.ssh-bruteforce", facts)
        #expect(result.map { RuleSubject($0) } == (fires ? [RuleSubject("host.ssh-bruteforce", "sshd", .warning)] : []))
    }

    @Test func sshOnN1ListsTheWorstSourcesFirst() {
        let result = findings("host.ssh-bruteforce", n1Facts())
        #expect(result.count == 1)
        #expect(result.first?.evidence == ["203.0.113.7: 80 attempts", "198.51.100.23: 41 attempts", "192.0.2.200: 16 attempts"])
    }

    @Test func sshThresholdComesFromTheManifest() {
        let manifest = parsedManifest("""
            thresholds:
              ssh_failed_logins_warning: 200
            """)
        #expect(findings("host.ssh-bruteforce", n1Facts(), manifest).isEmpty)
    }
}
