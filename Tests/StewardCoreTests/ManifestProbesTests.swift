import Testing
import StewardCore

@Suite("Manifest probes")
struct ManifestProbesTests {
    @Test func everyProbeIsEnabledByDefault() throws {
        let manifest = try #require(ManifestFixture.manifest("version: 1\n"))
        #expect(manifest.probes == .all)
        #expect(manifest.probes.enabled("ntp"))
    }

    @Test func disabledProbesAreNamed() throws {
        let manifest = try #require(ManifestFixture.manifest("probes:\n  disable: [ntp, smart]\n"))
        #expect(manifest.probes.disabled == ["ntp", "smart"])
        #expect(!manifest.probes.enabled("ntp"))
        #expect(manifest.probes.enabled("disk"))
    }

    @Test func unknownKeysAndWrongShapesAreLocated() {
        #expect(ManifestFixture.errors("probes:\n  disabled: [ntp]\n") == [
            #"steward.yml:2:3: probes.disabled: unknown key (did you mean "disable"?)"#,
        ])
        #expect(ManifestFixture.errors("probes:\n  disable: {ntp: true}\n") == [
            "steward.yml:2:12: probes.disable: expected a string or a list of strings, got a mapping",
        ])
    }
}
