import Foundation
import StewardTestSupport
import Testing

extension IntegrationTests {
    /// Seed 002's RackLab-RTP in the real-systemd sandbox: an app that keeps writing to its SQLite database (WAL),
    /// a media directory, a health endpoint. Each test uses its own state database and store.
    @Suite(.sandbox("racklab"), .serialized) struct RacklabBackups {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/racklab/steward.yml"
        static let token = "racklab-token-test-only-7d2b"
        static let db = "/srv/racklab/prod/racklab.db"

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        /// `steward ARGS --manifest M --state /var/lib/steward-NAME/state.db [--store /var/backups/NAME]`.
        func steward(_ name: String, _ args: [String], store: Bool = true) throws -> Sandbox.Output {
            var argv = args + ["--manifest", Self.manifest, "--state", "/var/lib/steward-\(name)/state.db"]
            if store { argv += ["--store", "/var/backups/\(name)"] }
            let out = try sandbox().steward(argv)
            #expect(!out.stdout.contains(Self.token) && !out.stderr.contains(Self.token), "the env file's token was printed")
            return out
        }

        func ctl(_ action: String...) throws -> String {
            let r = try sandbox().exec(["bash", Self.repo + "/Tests/Scenarios/racklab/ctl.sh"] + action)
            try #require(r.status == 0, "ctl \(action): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        func sh(_ script: String) throws -> Sandbox.Output { try sandbox().exec(["bash", "-c", script]) }

        func catalog(_ name: String) throws -> [[String: Any]] {
            let out = try sandbox().steward(["backups", "--format", "json", "--state", "/var/lib/steward-\(name)/state.db"])
            return try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]], "\(out.stdout + out.stderr)")
        }

        func results(_ out: Sandbox.Output) throws -> [[String: Any]] {
            try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [[String: Any]], "\(out.stdout + out.stderr)")
        }

        @Test func backupWhileTheAppWritesIsConsistentAndVerified() throws {
            let out = try steward("a", ["backup", "racklab@prod", "--verify", "--format", "json"])
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            let results = try results(out)
            #expect(results.compactMap { $0["source"] as? String } == ["racklab@prod/db", "racklab@prod/media", "racklab@prod/config"])
            for r in results {
                let v = r["verification"] as? [String: Any]
                #expect(v?["passed"] as? Bool == true, "\(r)")
            }
            let db = try #require(results[0]["backup"] as? [String: Any])
            let path = try #require(db["path"] as? String)
            let tables = try #require((db["contents"] as? [String: Any])?["tables"] as? [String: Int])
            // The copy is a committed state: every results row is counted in totals, as recorded.
            let copy = try sh("sqlite3 -readonly '\(path)' 'SELECT count(*) FROM results; SELECT n FROM totals; PRAGMA integrity_check;'")
            #expect(copy.stdout == "\(tables["results"]!)\n\(tables["results"]!)\nok\n", "\(copy.stdout)")
            // Media: excludes applied, as recorded.
            let media = try #require((results[1]["backup"] as? [String: Any])?["contents"] as? [String: Any])
            let listing = try sh("tar -tzf '\((results[1]["backup"] as! [String: Any])["path"] as! String)'")
            #expect(!listing.stdout.contains(".tmp") && !listing.stdout.contains("/cache/"), "\(listing.stdout)")
            #expect((media["files"] as? Int ?? 0) > 10)
            // Private store, and the app's database files still the app's.
            let modes = try sh("stat -c '%a %U' /var/backups/a /var/backups/a/racklab/prod '\(path)' \(Self.db) \(Self.db)-wal \(Self.db)-shm")
            #expect(modes.stdout == "700 root\n700 root\n600 root\n644 racklab\n644 racklab\n644 racklab\n", "\(modes.stdout)")
            #expect(try catalog("a").count == 3)
            let listed = try sandbox().steward(["backups", "racklab@prod", "--state", "/var/lib/steward-a/state.db"])
            #expect(listed.stdout.contains("racklab@prod/db") && listed.stdout.contains("verified") && listed.stdout.contains("sha256:"))
        }

        @Test func auditReportsMissingThenNothingOnceBackedUpAndVerified() throws {
            func backupFindings() throws -> [String] {
                let out = try steward("audit", ["audit", "--format", "json"], store: false)
                let report = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any])
                return (report["findings"] as? [[String: Any]] ?? []).compactMap { f in
                    guard let rule = f["rule"] as? String, rule.hasPrefix("backup.") else { return nil }
                    return "\(rule) \(f["subject"] as? String ?? "") \(f["severity"] as? String ?? "")"
                }
            }
            #expect(try backupFindings() == ["backup.missing racklab@prod/db critical"])
            let out = try steward("audit", ["backup", "racklab@prod"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(try backupFindings() == ["backup.unverified racklab@prod/db warning", "backup.unverified racklab@prod/media warning"])
            #expect(try steward("audit", ["backup", "verify", "--latest", "racklab@prod"]).status == 0)
            #expect(try backupFindings().isEmpty)
        }

        @Test func aCorruptedBackupFailsVerificationCritically() throws {
            let out = try steward("c", ["backup", "racklab@prod", "--format", "json"])
            let db = try #require((try results(out)[0]["backup"] as? [String: Any]))
            let id = try #require(db["id"] as? Int), path = try #require(db["path"] as? String)
            _ = try sh("printf 'garbage' | dd of='\(path)' bs=1 seek=8192 conv=notrunc status=none")
            let verify = try steward("c", ["backup", "verify", String(id)])
            #expect(verify.status == 2)
            #expect(verify.stdout.contains("FAILED") && verify.stdout.contains("checksum mismatch"), "\(verify.stdout)")
            let audit = try steward("c", ["audit", "--format", "json"], store: false)
            #expect(audit.stdout.contains("backup.failed-verification"))
        }

        @Test func killedMidBackupLeavesNoEntryNoCompleteFileAndEarlierBackupsIntact() throws {
            _ = try ctl("grow", "200")
            let first = try steward("k", ["backup", "racklab@prod", "--format", "json"])
            let firstPath = try #require((try results(first)[0]["backup"] as? [String: Any])?["path"] as? String)
            let before = try sh("sha256sum '\(firstPath)'").stdout
            let bin = Sandbox.stewardBinary
            let killed = try sh("""
                '\(bin)' backup racklab@prod --manifest '\(Self.manifest)' --state /var/lib/steward-k/state.db --store /var/backups/k >/dev/null 2>&1 &
                pid=$!
                # Kill it once its partial file exists, i.e. in the middle of the copy.
                for _ in $(seq 200); do ls -a /var/backups/k/racklab/prod | grep -q partial && break; sleep 0.01; done
                kill -9 $pid; wait $pid; echo "status $?"
                ls -a /var/backups/k/racklab/prod
                """)
            #expect(killed.stdout.contains("status 137"), "\(killed.stdout)")
            #expect(killed.stdout.contains(".partial-"), "the kill landed before the copy started: \(killed.stdout)")
            #expect(try catalog("k").count == 3)  // only the first run's three
            let complete = killed.stdout.split(separator: "\n").filter { $0.hasPrefix("db-") }
            #expect(complete.count == 1, "only the first backup's database file looks complete: \(complete)")
            #expect(try sh("sha256sum '\(firstPath)'").stdout == before)
            // The next run removes the dead run's partial and succeeds.
            let next = try steward("k", ["backup", "racklab@prod"])
            #expect(next.status == 0, "\(next.stderr)")
            #expect(!(try sh("ls -a /var/backups/k/racklab/prod").stdout.contains("partial")))
        }

        @Test func aFullDiskFailsCleanlyWithoutTouchingEarlierBackups() throws {
            // Room for one backup of the database as it is now (other tests may have grown it) and a few MiB more.
            let mib = (Int(try sh("stat -c %s \(Self.db)").stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? 0) / 1_048_576
            _ = try sh("mkdir -p /var/backups/full && mount -t tmpfs -o size=\(mib + 4)m,mode=0700 tmpfs /var/backups/full")
            defer { _ = try? sh("umount /var/backups/full") }
            func run() throws -> (Int32, [[String: Any]]) {
                let out = try sandbox().steward(["backup", "racklab@prod", "--manifest", Self.manifest, "--state", "/var/lib/steward-full/state.db",
                                                 "--store", "/var/backups/full", "--format", "json"])
                return (out.status, try results(out))
            }
            // A first backup fits; then the database grows past the space left.
            let (firstStatus, first) = try run()
            try #require(firstStatus == 0, "\(first)")
            let firstDB = try #require((first[0]["backup"] as? [String: Any])?["path"] as? String)
            let before = try sh("sha256sum '\(firstDB)'").stdout
            _ = try ctl("grow", String(mib + 8))
            let (status, second) = try run()
            #expect(status == 2)
            let db = try #require(second.first { $0["source"] as? String == "racklab@prod/db" })
            #expect((db["error"] as? String)?.contains("the disk is full") == true, "\(db)")
            #expect(db["backup"] == nil)
            let left = try sh("ls -a /var/backups/full/racklab/prod").stdout
            #expect(!left.contains("partial"), "\(left)")
            #expect(left.split(separator: "\n").filter { $0.hasPrefix("db-") }.count == 1, "\(left)")
            #expect(try sh("sha256sum '\(firstDB)'").stdout == before)
            #expect(try catalog("full").filter { $0["source"] as? String == "db" }.count == 1)
            // Verification restores into <store>/.scratch, so it needs room there too, and says so when there is none.
            let verify = try sandbox().steward(["backup", "verify", "--latest", "racklab@prod", "--manifest", Self.manifest,
                                                "--state", "/var/lib/steward-full/state.db", "--store", "/var/backups/full"])
            #expect(verify.stdout.contains("#1 racklab@prod/db") && (verify.stdout.contains("verified") || verify.stdout.contains("the disk is full")), "\(verify.stdout)")
        }

        @Test func restoreWhoseHealthCheckFailsPutsTheSafetyBackupBack() throws {
            _ = try ctl("schema", "1")  // a state the app does not accept
            let bad = try steward("r", ["backup", "racklab@prod", "--format", "json"])
            let badID = try #require((try results(bad)[0]["backup"] as? [String: Any])?["id"] as? Int)
            _ = try ctl("schema", "2")
            #expect(try ctl("health") == "200")
            let out = try steward("r", ["restore", String(badID), "--yes"])
            #expect(out.status == 2, "\(out.stdout + out.stderr)")
            #expect(out.stderr.contains("the checks failed after the restore") && out.stderr.contains("the previous state was put back"), "\(out.stderr)")
            #expect(out.stdout.contains("safety backup #") && out.stdout.contains("checks pass again on the previous state"), "\(out.stdout)")
            #expect(try ctl("health") == "200")
            #expect(try sh("sqlite3 -readonly \(Self.db) \"SELECT value FROM meta WHERE key = 'schema_version'\"").stdout == "2\n")
        }

        @Test func restoreBringsBackTheBackedUpStateAndDryRunChangesNothing() throws {
            _ = try ctl("pause-writer")
            defer { _ = try? ctl("resume-writer") }
            let rowsAtBackup = try ctl("rows")
            let out = try steward("g", ["backup", "racklab@prod", "--format", "json"])
            let id = try #require((try results(out)[0]["backup"] as? [String: Any])?["id"] as? Int)
            _ = try ctl("resume-writer")
            Thread.sleep(forTimeInterval: 1)
            _ = try ctl("pause-writer")
            let rowsLater = try ctl("rows")
            #expect(rowsLater != rowsAtBackup)

            let dry = try steward("g", ["restore", String(id), "--dry-run"])
            #expect(dry.status == 0, "\(dry.stderr)")
            #expect(dry.stdout.contains("systemctl stop -- racklab@prod.service") && dry.stdout.contains("systemctl start -- racklab@prod.service"), "\(dry.stdout)")
            #expect(try ctl("rows") == rowsLater)
            #expect(try catalog("g").count == 3)

            let restore = try steward("g", ["restore", String(id), "--yes"])
            #expect(restore.status == 0, "\(restore.stdout + restore.stderr)")
            #expect(try ctl("rows") == rowsAtBackup)
            #expect(try ctl("health") == "200")
            let reasons = try catalog("g").compactMap { $0["reason"] as? String }
            #expect(reasons.filter { $0 == "safety" }.count == 1)
        }

        @Test func scheduleInstallsATimerWhoseServiceBacksUpAndVerifies() throws {
            let out = try steward("s", ["backup", "schedule", "racklab"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(try sh("systemctl is-active steward-backup-racklab.timer").stdout == "active\n")
            let timer = try sh("systemctl show -p TimersCalendar steward-backup-racklab.timer").stdout
            #expect(timer.contains("03:15:00"), "\(timer)")
            let run = try sh("systemctl start steward-backup-racklab.service; systemctl show -p Result --value steward-backup-racklab.service")
            #expect(run.stdout == "success\n", "\(run.stdout + run.stderr)")
            let entries = try catalog("s")
            #expect(entries.count == 3 && entries.allSatisfy { $0["reason"] as? String == "scheduled" && ($0["lastVerification"] as? [String: Any])?["passed"] as? Bool == true })
        }

        @Test func oneOperationPerInstanceAtATimeAndTheHolderIsNamed() throws {
            // Another operation holds the instance's lock (as steward writes it: what, pid, host, since).
            _ = try sh("""
                mkdir -p /var/lib/steward-l/locks
                echo 'steward restore #7 by pid 4242 on sandbox since 2026-11-23T01:00:00Z' >/var/lib/steward-l/locks/racklab@prod.lock
                flock -o /var/lib/steward-l/locks/racklab@prod.lock sleep 20 >/dev/null 2>&1 & echo $! >/tmp/holder.pid
                sleep 0.3
                """)
            let busy = try steward("l", ["backup", "racklab@prod"])
            #expect(busy.status == 2)
            #expect(busy.stdout.contains("racklab@prod is busy: steward restore #7 by pid 4242 on sandbox since 2026-11-23T01:00:00Z"), "\(busy.stdout)")
            #expect(try catalog("l").isEmpty)
            let killed = try sh("kill $(cat /tmp/holder.pid); sleep 0.2; flock -n /var/lib/steward-l/locks/racklab@prod.lock true && echo FREE || echo HELD")
            #expect(killed.stdout.contains("FREE"), "\(killed.stdout)\(killed.stderr)")
            // The kernel drops the lock with its holder: the next run goes ahead.
            let next = try steward("l", ["backup", "racklab@prod"])
            #expect(next.status == 0, "\(next.stdout)\(next.stderr)")
        }

        @Test func pruneKeepsWhatRetentionSaysAndTheNewestVerified() throws {
            for _ in 0..<5 { #expect(try steward("p", ["backup", "racklab@prod"]).status == 0) }
            _ = try steward("p", ["backup", "verify", "--latest", "racklab@prod"])
            let dry = try steward("p", ["backup", "prune", "--dry-run"])
            // keep: last 3 (today's newest is also the daily one): 2 of 5 go, per source.
            #expect(dry.stdout.contains("would delete 6 backup(s)"), "\(dry.stdout)")
            #expect(try catalog("p").count == 15)
            let pruned = try steward("p", ["backup", "prune"])
            #expect(pruned.status == 0 && pruned.stdout.contains("deleted 6 backup(s)"), "\(pruned.stdout)")
            let left = try catalog("p")
            #expect(left.count == 9)
            let files = try sh("ls /var/backups/p/racklab/prod | wc -l").stdout
            #expect(files == "9\n", "\(files)")
        }
    }
}
