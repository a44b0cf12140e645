import Foundation
import Synchronization
import Testing
@testable import StewardCore
@testable import StewardSystem

/// The audit's probes as a table: names, dependencies, the manifest's `probes: {disable: [...]}`, and a report for
/// every probe of the table.
@Suite struct ProbeRegistryTests {
    @Test func theTableHoldsTheProbesTheReportHasAlwaysNamed() {
        #expect(AuditProbe.names == ["host", "filesystems", "systemd", "journal.units", "journal.host", "sockets", "envfiles",
                                     "appdirs", "nginx", "ngrok", "tls", "datastores", "logstorage", "backups", "slots", "compose"])
        #expect(Set(AuditProbe.names).count == AuditProbe.all.count)
    }

    @Test func everyDependencyIsAProbeAndTheyCanAllRun() {
        var done = Set<String>()
        var waiting = AuditProbe.all
        while let i = waiting.firstIndex(where: { $0.needs.allSatisfy(done.contains) }) { done.insert(waiting.remove(at: i).name) }
        #expect(waiting.isEmpty, "never ready: \(waiting.map(\.name))")
    }

    /// A probe that records when it ran and what it saw of the units.
    final class Log: Sendable {
        let events = Mutex<[String]>([])
        func add(_ e: String) { events.withLock { $0.append(e) } }
        var all: [String] { events.withLock { $0 } }
    }

    func audit(_ log: Log, disable: Set<String> = []) -> Audit {
        var audit = Audit(manifest: Manifest(probes: ProbeSelection(disabled: disable)))
        audit.probes = [
            AuditProbe("late", needs: ["units"]) { input in
                log.add("late saw \(input.facts.units.map(\.name))")
                return { $0.nginx = NginxFacts(configValid: true, testOutput: "", sites: []) }
            },
            AuditProbe("units") { _ in
                try await Task.sleep(for: .milliseconds(50))
                log.add("units")
                return { $0.units = [UnitFacts(name: "app.service")] }
            },
            AuditProbe("broken") { _ in throw ProbeFailure("no /proc") },
        ]
        return audit
    }

    @Test func aProbeStartsOnceThoseItNeedsAreDoneAndSeesTheirFacts() async {
        let log = Log()
        let (facts, reports) = await audit(log).gather()
        #expect(log.all == ["units", "late saw [\"app.service\"]"])
        #expect(facts.units.map(\.name) == ["app.service"] && facts.nginx?.configValid == true)
        #expect(reports.map(\.name) == ["late", "units", "broken"], "in the table's order")
        #expect(reports.map(\.status) == [.ok, .ok, .unknown] && reports[2].reason == "no /proc")
        #expect(reports[1].durationMs >= 50)
    }

    @Test func aDisabledProbeDoesNotRunAndIsReportedSkipped() async {
        let log = Log()
        let (facts, reports) = await audit(log, disable: ["units"]).gather()
        // Those that need it run with what is there, as after a failure.
        #expect(log.all == ["late saw []"])
        #expect(facts.units.isEmpty)
        #expect(reports.map(\.name) == ["late", "units", "broken"])
        #expect(reports[1] == ProbeReport(name: "units", status: .skipped, reason: "disabled in the manifest"))
    }

    @Test func aNameNoProbeHasIsReportedUnknown() async {
        let (_, reports) = await audit(Log(), disable: ["ngnix"]).gather()
        #expect(reports.map(\.name) == ["late", "units", "broken", "ngnix"])
        #expect(reports[3].status == .unknown)
        #expect(reports[3].reason == "probes.disable names no probe \"ngnix\"; the probes are late, units, broken")
    }

    @Test func theRealTableReportsEveryProbeDisabledOrNot() async throws {
        let t = try TempTree()
        let disabled = Set(AuditProbe.names).subtracting(["host"])
        let manifest = Manifest(probes: ProbeSelection(disabled: disabled))
        try t.write("/proc/meminfo", "MemTotal: 2000000 kB\nMemAvailable: 500000 kB\n")
        let (facts, reports) = await Audit(context: ProbeContext(files: HostFiles(root: t.root)), manifest: manifest).gather()
        #expect(reports.map(\.name) == AuditProbe.names)
        #expect(reports.filter { $0.status == .skipped }.map(\.name) == AuditProbe.names.filter { $0 != "host" })
        #expect(reports.allSatisfy { $0.name == "host" ? $0.status == .ok : $0.reason == "disabled in the manifest" })
        #expect(try #require(facts.host).memory.totalBytes == 2_000_000 * 1024)
    }
}
