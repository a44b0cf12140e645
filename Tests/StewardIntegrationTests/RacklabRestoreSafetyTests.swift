import Foundation
import StewardTestSupport
import Testing

extension IntegrationTests {
    /// Restores in a tree the app's user owns, with that user trying to redirect root: links planted in the media
    /// directory and a loop that swaps the restore's staging directory for a link into `/root`; and a media directory
    /// that is itself a symbolic link, backed up and restored through the link.
    @Suite(.sandbox("racklab"), .serialized) struct RacklabRestoreSafety {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/racklab/steward.yml"
        static let media = "/srv/racklab/prod/media"
        static let digest = "4a20c830a94f19a6ed7da82e21512be758702dd4918b908e98f7e10c10ccb05f"

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        func steward(_ name: String, _ args: [String]) throws -> Sandbox.Output {
            try sandbox().steward(args + ["--manifest", Self.manifest, "--state", "/var/lib/steward-\(name)/state.db", "--store", "/var/backups/\(name)"])
        }

        func sh(_ script: String) throws -> Sandbox.Output { try sandbox().exec(["bash", "-c", script]) }

        func mediaBackup(_ out: Sandbox.Output) throws -> [String: Any] {
            let results = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]], "\(out.stdout + out.stderr)")
            let media = try #require(results.first { $0["source"] as? String == "racklab@prod/media" })
            return try #require(media["backup"] as? [String: Any], "\(media)")
        }

        /// Root's canary: a directory named like the data directory, with a file, owner and mode to compare.
        static let canary = """
            mkdir -p /root/canary/media && chmod 700 /root/canary /root/canary/media
            echo 'root only' >/root/canary/media/secret.txt && chmod 600 /root/canary/media/secret.txt
            """
        static let canaryState = "stat -c '%n %U %a' /root/canary /root/canary/media /root/canary/media/secret.txt; ls -A /root/canary/media; sha256sum /root/canary/media/secret.txt"

        @Test func aRestoreNeverWritesThroughLinksTheAppUserPlantsOrSwapsIn() throws {
            _ = try sh(Self.canary)
            let before = try sh(Self.canaryState).stdout
            let root = try sh("stat -c '%U %a' /root").stdout
            let out = try steward("race", ["backup", "racklab@prod", "--format", "json"])
            let id = try #require(try mediaBackup(out)["id"] as? Int)
            // As the app's user: links to root's directory inside the data, and a loop that renames the restore's
            // staging directory away and puts a link to /root/canary in its place. (Against the previous restore,
            // mkdtemp then `tar --directory=PATH`, this racer made tar write into the canary in 17 of 20 tries.)
            let planted = try sh("""
                runuser -u racklab -- ln -s /root/canary /srv/racklab/prod/media/photos/evil
                runuser -u racklab -- ln -s /root/canary/media/secret.txt /srv/racklab/prod/media/exports/evil.csv
                rm -f /srv/racklab/prod/media/reports/weekly/2026-w01.md
                cat >/tmp/racer.py <<'PY'
                import os, time
                d = "/srv/racklab/prod"; end = time.time() + 40
                while time.time() < end and not os.path.exists(d + "/stop-racer"):
                    for e in os.scandir(d):
                        if e.name.startswith(".media.steward-restore-") and not e.name.endswith(".x") and e.is_dir(follow_symlinks=False):
                            try:
                                os.rename(e.path, e.path + ".x"); os.symlink("/root/canary", e.path)
                                with open(d + "/racer.log", "a") as log: log.write("swapped\\n")
                            except OSError:
                                pass
                PY
                runuser -u racklab -- python3 /tmp/racer.py >/dev/null 2>&1 &
                echo started
                """)
            #expect(planted.status == 0, "\(planted.stderr)")
            let restore = try steward("race", ["restore", String(id), "--yes"])
            _ = try sh("touch /srv/racklab/prod/stop-racer; sleep 0.2")
            let swaps = try sh("cat /srv/racklab/prod/racer.log 2>/dev/null | wc -l").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            // Nothing outside the tree changed, whatever the racer managed.
            #expect(try sh(Self.canaryState).stdout == before, "root's files changed (racer swaps: \(swaps))")
            #expect(try sh("stat -c '%U %a' /root").stdout == root)
            #expect((Int(swaps) ?? 0) > 0, "the racer never swapped the staging directory, so this run proved nothing")
            // The restore is correct: the backed-up media, the planted links gone with the old directory.
            #expect(restore.status == 0, "\(restore.stdout + restore.stderr)")
            #expect(try sh("bash \(Self.repo)/Tests/Scenarios/racklab/ctl.sh media-digest").stdout.trimmingCharacters(in: .whitespacesAndNewlines) == Self.digest)
            #expect(try sh("ls -la \(Self.media)/photos \(Self.media)/exports | grep -c evil || true").stdout == "0\n")
            #expect(try sh("stat -c '%U %a' \(Self.media)").stdout == "racklab 750\n")
            _ = try sh("rm -rf /srv/racklab/prod/stop-racer /srv/racklab/prod/racer.log /srv/racklab/prod/.media.steward-*")
        }

        @Test func aSymlinkedDataDirectoryIsBackedUpUnderItsNameAndRestoredBehindTheLink() throws {
            // media -> media-data (the releases layout's `uploads -> ../shared/uploads`), both the app user's.
            let setup = try sh("cd /srv/racklab/prod && mv media media-data && ln -s media-data media && chown -h racklab:racklab media")
            try #require(setup.status == 0, "\(setup.stderr)")
            defer { _ = try? sh("cd /srv/racklab/prod && rm -f media && rm -rf media && mv media-data media") }
            let out = try steward("link", ["backup", "racklab@prod", "--format", "json"])
            let backup = try mediaBackup(out)
            let id = try #require(backup["id"] as? Int), path = try #require(backup["path"] as? String)
            // Recorded under the configured name.
            let listing = try sh("tar -tzf '\(path)' | cut -d/ -f1 | sort -u").stdout
            #expect(listing == "media\n", "\(listing)")
            _ = try sh("rm -rf /srv/racklab/prod/media-data/photos/2026")
            let restore = try steward("link", ["restore", String(id), "--yes"])
            #expect(restore.status == 0, "\(restore.stdout + restore.stderr)")
            // The link stays, and its target holds the data again.
            #expect(try sh("readlink /srv/racklab/prod/media").stdout == "media-data\n")
            #expect(try sh("bash \(Self.repo)/Tests/Scenarios/racklab/ctl.sh media-digest /srv/racklab/prod/media-data").stdout
                .trimmingCharacters(in: .whitespacesAndNewlines) == Self.digest)
            #expect(try sh("stat -c '%U' /srv/racklab/prod/media-data").stdout == "racklab\n")
        }

        @Test func aDataDirectoryLinkedIntoRootsFilesIsRefused() throws {
            _ = try sh(Self.canary)
            let before = try sh(Self.canaryState).stdout
            // The app user points its media directory at root's.
            let setup = try sh("cd /srv/racklab/prod && mv media media-keep && runuser -u racklab -- ln -s /root/canary/media media")
            try #require(setup.status == 0, "\(setup.stderr)")
            defer { _ = try? sh("cd /srv/racklab/prod && rm -f media && mv media-keep media") }
            let out = try steward("rootlink", ["backup", "racklab@prod", "--format", "json"])
            #expect(out.status != 0)
            #expect(out.stdout.contains("refusing to follow it as root"), "\(out.stdout)")
            #expect(try sh(Self.canaryState).stdout == before)
            #expect(try sh("ls /var/backups/rootlink/racklab/prod | grep -c '^media-' || true").stdout == "0\n")
        }

        @Test func aConfigFileSwappedForADeviceOrAHugeFileIsRefusedNotRead() throws {
            // The env file, as if the app user managed it: a link to /dev/zero, then to a 2 GiB sparse file.
            let setup = try sh("cp -a /etc/racklab/prod.env /root/prod.env.orig && ln -sf /dev/zero /etc/racklab/prod.env")
            try #require(setup.status == 0, "\(setup.stderr)")
            defer { _ = try? sh("cp -a /root/prod.env.orig /etc/racklab/prod.env; rm -f /srv/racklab/prod/huge") }
            let zero = try sandbox().exec(["timeout", "60", Sandbox.stewardBinary, "backup", "racklab@prod", "--manifest", Self.manifest,
                                           "--state", "/var/lib/steward-cfg/state.db", "--store", "/var/backups/cfg", "--format", "json"])
            #expect(zero.status != 124, "the backup hung reading /dev/zero")
            #expect(zero.stdout.contains("is a character device, not a regular file"), "\(zero.stdout + zero.stderr)")
            _ = try sh("truncate -s 2G /srv/racklab/prod/huge && chown racklab: /srv/racklab/prod/huge && ln -sfn /srv/racklab/prod/huge /etc/racklab/prod.env")
            let huge = try steward("cfg", ["backup", "racklab@prod", "--format", "json"])
            #expect(huge.stdout.contains("more than the config snapshot's limit"), "\(huge.stdout + huge.stderr)")
            #expect(try sh("ls -A /var/backups/cfg/racklab/prod | grep -c config || true").stdout == "0\n")
        }
    }
}
