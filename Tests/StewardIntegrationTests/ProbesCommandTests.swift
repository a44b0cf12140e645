import Foundation
import Testing

/// `steward probes`: the names `probes: {disable: [...]}` takes, from the audit's table.
@Suite struct ProbesCommandTests {
    @Test func probesListsEveryProbeOfTheAuditWithWhatItNeeds() throws {
        let r = try Sandbox.run([Sandbox.stewardBinary, "probes", "--format", "json"])
        #expect(r.status == 0)
        let probes = try #require(try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [[String: Any]])
        #expect(probes.compactMap { $0["name"] as? String } == ["host", "filesystems", "systemd", "journal.units", "journal.host",
                                                                "sockets", "envfiles", "appdirs", "nginx", "ngrok", "tls", "datastores",
                                                                "logstorage", "backups", "slots", "compose"])
        #expect(probes.first { $0["name"] as? String == "ngrok" }?["needs"] as? [String] == ["systemd", "envfiles"])
        let text = try Sandbox.run([Sandbox.stewardBinary, "probes"]).stdout
        #expect(text.hasPrefix("host\nfilesystems    needs systemd, host\nsystemd\n"))
    }
}
