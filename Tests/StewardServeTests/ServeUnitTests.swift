import Foundation
import StewardCore
import StewardTestSupport
import Testing

/// The unit `steward serve --install` writes, against its golden: Type=notify, the watchdog, the stop bounds.
@Suite struct ServeUnitTests {
    @Test func unitMatchesItsGolden() throws {
        try Golden.assertMatches(ServeUnit.text(steward: "/usr/local/bin/steward", manifest: "/etc/steward/steward.yml", state: nil),
                                 "steward.service")
    }

    @Test func carriesAStateDatabaseAndQuotesPaths() {
        let text = ServeUnit.text(steward: "/opt/my tools/steward", manifest: nil, state: "/srv/state.db")
        #expect(text.contains("ExecStart='/opt/my tools/steward' serve --state /srv/state.db\n"))
        for line in ["Type=notify", "WatchdogSec=30s", "Restart=on-failure", "KillMode=mixed", "TimeoutStopSec=120s"] {
            #expect(text.contains(line + "\n"))
        }
    }

    /// The Debian package ships the unit (`packaging/steward.service`, installed by `scripts/package`, not enabled): it
    /// must be the unit `steward serve --install` writes for /usr/bin/steward and /etc/steward/steward.yml, line for line
    /// but the first comment, which says how to enable it.
    @Test func theDebianPackageShipsTheSameUnit() throws {
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let packaged = try String(contentsOf: root.appendingPathComponent("packaging/steward.service"), encoding: .utf8)
        let written = ServeUnit.text(steward: "/usr/bin/steward", manifest: "/etc/steward/steward.yml", state: nil)
        let lines = { (text: String) in Array(text.split(separator: "\n", omittingEmptySubsequences: false)) }
        #expect(lines(packaged).first?.hasPrefix("# Installed by the steward Debian package") == true)
        #expect(Array(lines(packaged).dropFirst()) == Array(lines(written).dropFirst()))
    }
}
