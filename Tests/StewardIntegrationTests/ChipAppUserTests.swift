import Foundation
import Testing

extension IntegrationTests.ChipDeploys {
    /// App code never runs as root: a deploy whose app user would be root (`deploy.user: root`) is refused in the
    /// preflight, naming the fix, before anything changes; the dry-run says so too.
    @Test func aDeployWhoseAppUserWouldBeRootIsRefusedWithTheFix() throws {
        try ctl("reset", "prod")
        let head = try ctl("head", "prod")
        let script = """
            sed 's/^      workdir: chip_dashboard$/      workdir: chip_dashboard\\n      user: root/' \(Self.manifest) >/run/chip-root.yml
            chmod 0644 /run/chip-root.yml
            grep -c '^      user: root$' /run/chip-root.yml
            """
        let made = try sandbox().exec(["bash", "-c", script])
        // Every app of the scenario's manifest (broker_portal, portal, shop) gets the line.
        try #require(made.status == 0 && (Int(made.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) >= 2, "\(made.stdout)\(made.stderr)")
        let common = ["--manifest", "/run/chip-root.yml", "--state", "/var/lib/steward-root/state.db", "--store", "/var/backups/root"]
        let dry = try sandbox().steward(["deploy", "broker_portal@prod", "--ref", "v1.1.0", "--dry-run"] + common)
        #expect(dry.status == 1, "\(dry.stdout)\(dry.stderr)")
        #expect(dry.stdout.contains("REFUSED") && dry.stdout.contains("set apps.broker_portal.deploy.user"), "\(dry.stdout)")
        let out = try sandbox().steward(["deploy", "broker_portal@prod", "--ref", "v1.1.0"] + common)
        #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
        #expect(out.stdout.contains("never runs pip, migrations, build steps or hooks as root"), "\(out.stdout)")
        #expect(out.stdout.contains("nothing was changed"), "\(out.stdout)")
        #expect(try ctl("head", "prod") == head)
        #expect(try ctl("migrations", "prod") == "0001_initial")
    }
}
