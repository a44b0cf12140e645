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
}
