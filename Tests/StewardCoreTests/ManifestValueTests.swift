import Testing
import StewardCore

@Suite("Manifest values: sizes, durations, silences")
struct ManifestValueTests {
    @Test(arguments: [
        ("1024", Int64(1024)), ("0", 0), ("512MiB", 536_870_912), ("2GiB", 2_147_483_648), ("1.5G", 1_610_612_736),
        ("100M", 104_857_600), ("10K", 10_240), ("10k", 10_240), ("10KiB", 10_240), ("10KB", 10_240), ("3Ki", 3072),
        ("2 GiB", 2_147_483_648), ("1T", 1_099_511_627_776), ("0.5TiB", 549_755_813_888), ("512b", 512),
        ("2gib", 2_147_483_648), ("1.25M", 1_310_720),
    ])
    func sizesParse(text: String, bytes: Int64) {
        #expect(ByteSize.parse(text) == bytes)
    }

    @Test(arguments: ["", "GiB", "-1G", "2 gigs", "1.5", "1.5B", "2XB", "1..5G", ".5G", "5.G", "1,5G", "0x10",
                      "99999999999T", "2 G iB", "1e3"])
    func sizesRejected(text: String) {
        #expect(ByteSize.parse(text) == nil)
    }

    @Test(arguments: [
        (Int64(0), "0 B"), (1000, "1000 B"), (1024, "1 KiB"), (536_870_912, "512 MiB"), (2_147_483_648, "2 GiB"),
        (1_610_612_736, "1.5 GiB"), (1_717_986_918, "1.6 GiB"), (1_099_511_627_776, "1 TiB"),
    ])
    func sizesFormat(bytes: Int64, text: String) {
        #expect(ByteSize.format(bytes) == text)
    }

    @Test(arguments: [
        ("30m", 30), ("6h", 360), ("24h", 1440), ("7d", 10_080), ("2w", 20_160), ("24 h", 1440), ("0h", 0), ("6H", 360),
    ])
    func durationsParse(text: String, minutes: Int) {
        #expect(TimeWindow.parseMinutes(text) == minutes)
    }

    @Test(arguments: [("30m", 1), ("59m", 1), ("60m", 1), ("61m", 2), ("6h", 6), ("7d", 168)])
    func durationsRoundUpToHours(text: String, hours: Int) {
        #expect(TimeWindow.parseHours(text) == hours)
    }

    @Test(arguments: ["", "24", "h", "1y", "1.5h", "-6h", "6 hours", "30s", "9999999999999999999d"])
    func durationsRejected(text: String) {
        #expect(TimeWindow.parseMinutes(text) == nil)
    }

    @Test(arguments: [
        // rule, subject, finding rule, finding subject, matches
        ("ports.public-bind", nil, "ports.public-bind", "calb-sizingtool@prod", true),
        ("ports.public-bind", nil, "ports.public-binding", "x", false),
        ("ports.public-bind", "calb-sizingtool@prod", "ports.public-bind", "calb-sizingtool@prod", true),
        ("ports.public-bind", "calb-sizingtool@prod", "ports.public-bind", "calb-sizingtool@test", false),
        ("ports.public-bind", "calb-sizingtool@*", "ports.public-bind", "calb-sizingtool@test", true),
        ("ports.public-bind", "calb-sizingtool@*", "ports.public-bind", "calb-ngrok@prod", false),
        ("ports.public-bind", "*@prod", "ports.public-bind", "calb-ngrok@prod", true),
        ("logs.*", nil, "logs.tracebacks", "calb-sizingtool@prod", true),
        ("logs.*", nil, "host.disk-space", "/", false),
        ("logs.*", nil, "logsx.tracebacks", "a", false),
        ("service.*", "*.service", "service.syslog-output", "calb-ngrok@.service", true),
        ("host.disk-*", "/mnt/*", "host.disk-space", "/mnt/data", true),
        ("host.disk-*", "/mnt/*", "host.disk-space", "/", false),
        ("git.prod-on-branch", "a*b*c", "git.prod-on-branch", "abbbc", true),
        ("git.prod-on-branch", "a*b*c", "git.prod-on-branch", "abbbcd", false),
    ] as [(String, String?, String, String, Bool)])
    func silenceMatching(rule: String, subject: String?, findingRule: String, findingSubject: String, matches: Bool) {
        let silence = Silence(rule: rule, subject: subject, reason: "because")
        #expect(silence.matches(rule: findingRule, subject: findingSubject) == matches)
    }
}
