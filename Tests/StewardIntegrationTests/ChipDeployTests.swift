import Foundation
import Testing

extension IntegrationTests {
    /// Seed 004's chip_dashboard in the real-systemd sandbox: Django under gunicorn (broker_portal@prod and
    /// @test), SQLite, nginx, and checkouts of a bare origin with release tags (see Tests/Scenarios/chip). Each
    /// test starts from v1.0.0 with the pristine database and uses its own state database and backup store.
    @Suite(.sandbox("chip"), .serialized) struct ChipDeploys {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/chip/steward.yml"
        static let secret = "chip-secret-key-test-only-5e1a"

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        /// `steward ARGS --manifest M --state /var/lib/steward-NAME/state.db --store /var/backups/NAME`.
        func steward(_ name: String, _ args: [String], env: [String] = []) throws -> Sandbox.Output {
            let argv = args + ["--manifest", Self.manifest, "--state", "/var/lib/steward-\(name)/state.db", "--store", "/var/backups/\(name)"]
            let out = env.isEmpty ? try sandbox().steward(argv) : try sandbox().exec(["env"] + env + [Sandbox.stewardBinary] + argv)
            #expect(!out.stdout.contains(Self.secret) && !out.stderr.contains(Self.secret), "the app's SECRET_KEY was printed")
            return out
        }

        @discardableResult
        func ctl(_ action: String...) throws -> String {
            let r = try sandbox().exec(["bash", Self.repo + "/Tests/Scenarios/chip/ctl.sh"] + action)
            try #require(r.status == 0, "ctl \(action): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// The release and schema `/health` reports, e.g. `1.1.0 0002_chip_price`.
        func serving(_ instance: String) throws -> String {
            let json = try #require(try JSONSerialization.jsonObject(with: Data(ctl("health", instance).utf8)) as? [String: Any])
            return "\(json["version"] as? String ?? "?") \(json["schema"] as? String ?? "?")"
        }

        func releases(_ name: String, _ label: String) throws -> [[String: Any]] {
            let out = try sandbox().steward(["releases", label, "--format", "json", "--state", "/var/lib/steward-\(name)/state.db"])
            let document = try #require(try JSONSerialization.jsonObject(with: Data(out.stdout.utf8)) as? [String: Any], "\(out.stdout)\(out.stderr)")
            #expect(document["schema"] as? String == "steward.releases/1")
            return try #require(document["releases"] as? [[String: Any]])
        }

        @Test func aGoodDeployMigratesBuildsRestartsAndRecordsTheRelease() throws {
            try ctl("reset", "prod")
            try ctl("load-start", "good")
            let out = try steward("good", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"])
            let load = try ctl("load-stop", "good").split(separator: " ").compactMap { Int($0) }
            print("load through nginx during the v1.0.0 → v1.1.0 deploy (restart): \(load[1]) of \(load[0]) requests failed")
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            #expect(try serving("prod") == "1.1.0 0002_chip_price")
            #expect(try ctl("migrations", "prod") == "0001_initial\n0002_chip_price")
            for step in ["preflight", "lock", "fetch", "dependencies", "migrate", "build", "restart", "health"] {
                #expect(out.stdout.contains(step), "no \(step) in \(out.stdout)")
            }
            let record = try #require(try releases("good", "broker_portal@prod").first)
            #expect(record["status"] as? String == "succeeded")
            #expect(record["ref"] as? String == "v1.1.0")
            #expect(record["previousRef"] as? String == "v1.0.0")
            #expect((record["backupIDs"] as? [Int])?.count == 1, "a backup before the migrations")
            #expect(record["schema"] as? String == "django:4:core.0002_chip_price", "4 applied: contenttypes' 2 and core's 2")
            #expect((record["steps"] as? [[String: Any]])?.map { $0["name"] as? String ?? "" }
                    == ["preflight", "lock", "pre-deploy", "fetch", "dependencies", "migrate", "build", "restart", "health", "post-deploy"])
            // collectstatic ran as the app's user; the checkout is still the app user's.
            let owners = try sandbox().exec(["stat", "-c", "%U", "/srv/chip/static/prod/core/app.css", "/srv/chip/prod/chip_dashboard/core/views.py"])
            #expect(owners.stdout == "chip\nchip\n")
            // The same release again: nothing to install or migrate.
            let again = try steward("good", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"])
            #expect(again.status == 0)
            #expect(again.stdout.contains("requirements.txt unchanged") && again.stdout.contains("no pending django migrations"), "\(again.stdout)")
        }

        @Test func aReleaseWhoseHealthFailsIsRolledBackWithItsDatabase() throws {
            try ctl("reset", "prod")
            let first = try steward("bad", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"])
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            try ctl("load-start", "bad")
            let out = try steward("bad", ["deploy", "broker_portal@prod", "--ref", "v1.2.0"])
            let load = try ctl("load-stop", "bad").split(separator: " ").compactMap { Int($0) }
            print("load through nginx during the failed v1.2.0 deploy and its rollback: \(load[1]) of \(load[0]) requests failed")
            #expect(out.status == 2, "\(out.stdout)\(out.stderr)")
            #expect(out.stdout.contains("was rolled back"), "\(out.stdout)")
            // The old release serves, on the schema it had: 0003 (applied by v1.2.0) is gone with the restore.
            #expect(try serving("prod") == "1.1.0 0002_chip_price")
            #expect(try ctl("migrations", "prod") == "0001_initial\n0002_chip_price")
            let record = try #require(try releases("bad", "broker_portal@prod").first)
            #expect(record["status"] as? String == "rolled-back")
            let evidence = record["evidence"] as? String ?? ""
            #expect(evidence.contains("answered 500"), "\(evidence)")
            #expect(evidence.contains("journal of broker_portal@prod.service since the restart"), "\(evidence)")
            #expect((record["steps"] as? [[String: Any]])?.last?["name"] as? String == "rollback")
        }

        @Test func aMigrationFailingHalfwayLeavesTheDatabaseAsBefore() throws {
            try ctl("reset", "prod")
            #expect(try steward("mig", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"]).status == 0)
            let before = try ctl("head", "prod")
            let out = try steward("mig", ["deploy", "broker_portal@prod", "--ref", "v1.3.0"])
            #expect(out.status == 1, "\(out.stdout)\(out.stderr)")
            #expect(out.stdout.contains("core.customuser"), "the migration's error is shown: \(out.stdout)")
            #expect(out.stdout.contains("the running release was not touched"))
            // 0003 created core_tag before 0004 failed: the restore removed it.
            #expect(try ctl("tables", "prod") == "core_chip")
            #expect(try ctl("migrations", "prod") == "0001_initial\n0002_chip_price")
            #expect(try ctl("head", "prod") == before)
            #expect(try serving("prod") == "1.1.0 0002_chip_price")
            #expect(try releases("mig", "broker_portal@prod").first?["status"] as? String == "failed")
        }

        @Test func aDirtyWorkingTreeIsRefusedWithTheDiffSummary() throws {
            try ctl("reset", "prod")
            try ctl("dirty", "prod")
            defer { _ = try? ctl("clean", "prod") }
            let head = try ctl("head", "prod")
            let out = try steward("dirty", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"])
            #expect(out.status == 1)
            #expect(out.stdout.contains("uncommitted changes") && out.stdout.contains("chip_dashboard/core/views.py"), "\(out.stdout)")
            #expect(try ctl("head", "prod") == head)
            #expect(try serving("prod") == "1.0.0 0001_initial")
            // --force needs a reason, which is recorded.
            #expect(try steward("dirty", ["deploy", "broker_portal@prod", "--ref", "v1.0.1", "--force"]).status == 3)
            let forced = try steward("dirty", ["deploy", "broker_portal@prod", "--ref", "v1.0.1", "--force", "--reason", "hotfix kept for the incident"])
            #expect(forced.status == 0, "\(forced.stdout)\(forced.stderr)")
            #expect(try releases("dirty", "broker_portal@prod").first?["reason"] as? String == "hotfix kept for the incident")
        }

        @Test func aSecondConcurrentDeployIsRefusedNamingTheHolder() throws {
            try ctl("reset", "prod")
            try ctl("hook", "prod", "pre-deploy", "sleep 4")
            defer { _ = try? ctl("unhook", "prod") }
            let first = try sandbox().exec(["bash", "-c", "setsid \(Sandbox.stewardBinary) deploy broker_portal@prod --ref v1.0.1 --manifest \(Self.manifest) --state /var/lib/steward-lock/state.db --store /var/backups/lock >/run/first-deploy.log 2>&1 & echo started"])
            #expect(first.status == 0)
            let holding = try sandbox().exec(["bash", "-c", "for i in $(seq 100); do grep -q 'pre-deploy' /run/first-deploy.log 2>/dev/null && exit 0; sleep 0.05; done; exit 1"])
            #expect(holding.status == 0)
            let second = try steward("lock", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"])
            #expect(second.status == 3, "\(second.stdout)\(second.stderr)")
            #expect(second.stderr.contains("broker_portal@prod is busy: deploy #1 of v1.0.1 by root by pid"), "\(second.stderr)")
            #expect(try releases("lock", "broker_portal@prod").count == 1, "the refused deploy changed and recorded nothing")
            let done = try sandbox().exec(["bash", "-c", "for i in $(seq 200); do grep -q '✓ deploy #1' /run/first-deploy.log && exit 0; sleep 0.05; done; cat /run/first-deploy.log; exit 1"])
            #expect(done.status == 0, "\(done.stdout)")
            #expect(try serving("prod") == "1.0.1 0001_initial")
        }

        @Test func aDryRunShowsThePlanWithArgvAndChangesNothing() throws {
            try ctl("reset", "prod")
            let head = try ctl("head", "prod")
            let out = try steward("dry", ["deploy", "broker_portal@prod", "--ref", "v1.1.0", "--dry-run"])
            #expect(out.status == 0, "\(out.stderr)")
            #expect(out.stdout.contains("runuser -u chip -- git -c core.fsmonitor=false -c core.quotepath=off -C /srv/chip/prod fetch --quiet --tags --force --prune -- origin"), "\(out.stdout)")
            #expect(out.stdout.contains("manage.py migrate --noinput --no-color (in /srv/chip/prod/chip_dashboard)"))
            #expect(out.stdout.contains("systemctl restart -- broker_portal@prod.service"))
            #expect(try ctl("head", "prod") == head)
            #expect(try ctl("migrations", "prod") == "0001_initial")
            #expect(try releases("dry", "broker_portal@prod").isEmpty)
        }

        @Test func productionTakesOnlyTagsUnlessAReasonIsGiven() throws {
            try ctl("reset", "prod")
            let out = try steward("tags", ["deploy", "broker_portal@prod", "--ref", "main"])
            #expect(out.status == 1)
            #expect(out.stdout.contains("main is not a tag, and production instances deploy only tags"), "\(out.stdout)")
            #expect(try serving("prod") == "1.0.0 0001_initial")
            try ctl("reset", "test")
            #expect(try steward("tags", ["deploy", "broker_portal@test", "--ref", "main"]).status == 0, "test takes a branch")
        }

        @Test func promoteDeploysToProdTheTagTestRunsOnlyWhenTestIsOnATagAndHealthy() throws {
            try ctl("reset", "prod")
            try ctl("reset", "test")
            #expect(try steward("promote", ["deploy", "broker_portal@test", "--ref", "main"]).status == 0)
            let untagged = try steward("promote", ["promote", "broker_portal", "--from", "test", "--to", "prod"])
            #expect(untagged.status == 3 && untagged.stderr.contains("which no tag points at"), "\(untagged.stderr)")
            #expect(try steward("promote", ["deploy", "broker_portal@test", "--ref", "v1.1.0"]).status == 0)
            // Not while test is unhealthy.
            _ = try sandbox().exec(["systemctl", "stop", "broker_portal@test.service"])
            let sick = try steward("promote", ["promote", "broker_portal", "--from", "test", "--to", "prod"])
            _ = try sandbox().exec(["systemctl", "start", "broker_portal@test.service"])
            #expect(sick.status == 3 && sick.stderr.contains("broker_portal@test is not healthy, so v1.1.0 is not promoted"), "\(sick.stderr)")
            #expect(try serving("prod") == "1.0.0 0001_initial")
            _ = try sandbox().exec(["bash", "-c", "for i in $(seq 100); do curl -fs http://127.0.0.1:8002/health >/dev/null && exit 0; sleep 0.1; done; exit 1"])
            let out = try steward("promote", ["promote", "broker_portal", "--from", "test", "--to", "prod"])
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            #expect(try serving("prod") == "1.1.0 0002_chip_price")
            #expect(try releases("promote", "broker_portal@prod").first?["kind"] as? String == "promote")
        }

        @Test func rollbackAsksWhatToDoWithAChangedSchema() throws {
            try ctl("reset", "prod")
            #expect(try steward("rb", ["deploy", "broker_portal@prod", "--ref", "v1.0.1"]).status == 0)
            #expect(try steward("rb", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"]).status == 0)
            let refused = try steward("rb", ["rollback", "broker_portal@prod"])
            #expect(refused.status == 3)
            #expect(refused.stderr.contains("schema changed since v1.0.1") && refused.stderr.contains("--restore-db") && refused.stderr.contains("--keep-db"), "\(refused.stderr)")
            #expect(try serving("prod") == "1.1.0 0002_chip_price")
            // The dry run chooses as the rollback does, and plans the steps it then runs; it changes nothing.
            #expect(try steward("rb", ["rollback", "broker_portal@prod", "--dry-run"]).stderr == refused.stderr)
            let dry = try steward("rb", ["rollback", "broker_portal@prod", "--restore-db", "--dry-run"])
            #expect(dry.status == 0, "\(dry.stdout)\(dry.stderr)")
            #expect(dry.stdout.hasPrefix("dry run: nothing is changed\nplan: rollback broker_portal@prod (in-place) to v1.0.1 ("), "\(dry.stdout)")
            #expect(dry.stdout.contains(" 4 migrate       safety backup of broker_portal@prod/") && dry.stdout.contains("restore backup #"), "\(dry.stdout)")
            let json = try steward("rb", ["rollback", "broker_portal@prod", "--restore-db", "--dry-run", "--format", "json"])
            let document = try #require(try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any], "\(json.stdout)\(json.stderr)")
            let plan = try #require(document["plan"] as? [String: Any])
            #expect(document["schema"] as? String == "steward.rollback/1" && document["record"] == nil && document["database"] as? String == "restore")
            #expect((document["release"] as? [String: Any])?["ref"] as? String == "v1.0.1" && plan["refused"] as? Bool == false)
            #expect(try serving("prod") == "1.1.0 0002_chip_price")
            #expect(try releases("rb", "broker_portal@prod").count == 2, "a dry run records nothing")
            let out = try steward("rb", ["rollback", "broker_portal@prod", "--restore-db"])
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            #expect(try serving("prod") == "1.0.1 0001_initial")
            let planned = (plan["lines"] as? [String] ?? []).compactMap { line -> String? in
                let words = line.split(separator: " ")
                return words.count > 1 && Int(words[0]) != nil ? String(words[1]) : nil
            }
            let ran = (try releases("rb", "broker_portal@prod").first?["steps"] as? [[String: Any]])?.compactMap { $0["name"] as? String }
            #expect(ran == planned && planned.count == 7, "\(planned)")
            #expect(try ctl("migrations", "prod") == "0001_initial")
            // Forward again, then back with --keep-db: the code goes back, the schema stays.
            #expect(try steward("rb", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"]).status == 0)
            #expect(try steward("rb", ["rollback", "broker_portal@prod", "--to", "v1.0.0", "--keep-db"]).status == 3, "v1.0.0 was never deployed by steward here")
            #expect(try steward("rb", ["rollback", "broker_portal@prod", "--to", "v1.0.1", "--keep-db"]).status == 0)
            #expect(try serving("prod") == "1.0.1 0002_chip_price")
            let history = try releases("rb", "broker_portal@prod")
            #expect(history.prefix(2).map { $0["kind"] as? String ?? "" } == ["rollback", "deploy"])
        }

        @Test func hooksGetTheContextAndAFailingOneStopsOrRollsBackTheDeploy() throws {
            try ctl("reset", "prod")
            defer { _ = try? ctl("unhook", "prod") }
            // pre-deploy fails: nothing changes, its output is shown.
            try ctl("hook", "prod", "pre-deploy", "echo \"maintenance window closed for $STEWARD_APP@$STEWARD_INSTANCE\" >&2; exit 3")
            let head = try ctl("head", "prod")
            let refused = try steward("hooks", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"])
            #expect(refused.status == 1, "\(refused.stdout)")
            #expect(refused.stdout.contains(".steward/hooks/pre-deploy exited 3") && refused.stdout.contains("maintenance window closed for broker_portal@prod"), "\(refused.stdout)")
            #expect(try ctl("head", "prod") == head)
            // post-deploy gets the release's context; when it fails, the release is rolled back.
            try ctl("hook", "prod", "pre-deploy", "echo \"$STEWARD_PHASE $STEWARD_REF $STEWARD_COMMIT $STEWARD_PREVIOUS_COMMIT\" >/tmp/steward-hook.log")
            try ctl("hook", "prod", "post-deploy", "echo smoke test failed >&2; exit 1")
            let rolled = try steward("hooks", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"])
            #expect(rolled.status == 2, "\(rolled.stdout)")
            #expect(rolled.stdout.contains("smoke test failed") && rolled.stdout.contains("was rolled back"), "\(rolled.stdout)")
            #expect(try serving("prod") == "1.0.0 0001_initial")
            let context = try sandbox().exec(["cat", "/tmp/steward-hook.log"]).stdout
            #expect(context.hasPrefix("pre-deploy v1.1.0 ") && context.contains(head), "\(context)")
        }

        @Test func theReleasesStrategySwitchesCurrentAtomicallyAndKeepsTheLastReleases() throws {
            func current() throws -> String { try sandbox().exec(["readlink", "/srv/chip/releases/stage/current"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines) }
            func releaseDirs() throws -> [String] {
                try sandbox().exec(["ls", "/srv/chip/releases/stage/releases"]).stdout.split(separator: "\n").map(String.init)
            }
            let first = try current()
            let out = try steward("rel", ["deploy", "portal@stage", "--ref", "v1.1.0"])
            #expect(out.status == 0, "\(out.stdout)\(out.stderr)")
            let second = try current()
            #expect(second.hasPrefix("releases/v1.1.0-") && second != first, "\(second)")
            #expect(try serving("stage") == "1.1.0 0002_chip_price")
            #expect(try releaseDirs().count == 2)
            let media = try sandbox().exec(["readlink", "/srv/chip/releases/stage/\(second)/media"]).stdout
            #expect(media == "/srv/chip/releases/stage/shared/media\n")
            // A bad release: current goes back, its directory is removed.
            let bad = try steward("rel", ["deploy", "portal@stage", "--ref", "v1.2.0"])
            #expect(bad.status == 2, "\(bad.stdout)")
            #expect(try current() == second)
            #expect(try releaseDirs().count == 2)
            #expect(try serving("stage") == "1.1.0 0002_chip_price")
            // Two more releases: with keep 3 the oldest goes, never the running or the previous good one.
            #expect(try steward("rel", ["deploy", "portal@stage", "--ref", "v1.0.1"]).status == 0)
            #expect(try steward("rel", ["deploy", "portal@stage", "--ref", "v1.1.0"]).status == 0)
            let dirs = try releaseDirs()
            #expect(dirs.count == 3 && !dirs.contains(String(first.dropFirst("releases/".count))), "\(dirs)")
            // The release a rollback goes back to is still there and is switched to, not rebuilt.
            let back = try steward("rel", ["rollback", "portal@stage", "--keep-db"])
            #expect(back.status == 0, "\(back.stdout)\(back.stderr)")
            #expect(back.stdout.contains("is still there"), "\(back.stdout)")
            #expect(try serving("stage") == "1.0.1 0002_chip_price")
            // A fetch that fails before its release directory exists removes nothing (not the base, not a release).
            _ = try sandbox().exec(["chmod", "0555", "/srv/chip/releases/stage/releases"])
            defer { _ = try? sandbox().exec(["chmod", "0755", "/srv/chip/releases/stage/releases"]) }
            let before = try releaseDirs()
            let failed = try steward("rel", ["deploy", "portal@stage", "--ref", "v1.1.0"])
            #expect(failed.status == 1 && failed.stdout.contains("failed at fetch"), "\(failed.stdout)")
            #expect(try releaseDirs() == before)
            #expect(try sandbox().exec(["test", "-d", "/srv/chip/releases/stage/repo.git"]).status == 0)
            #expect(try serving("stage") == "1.0.1 0002_chip_price")
        }

        @Test func aChangedNginxSiteIsTestedAndReloadedAndABrokenOneRolledBack() throws {
            try ctl("reset", "prod")
            let plain = try steward("nginx", ["deploy", "broker_portal@prod", "--ref", "v1.1.0"])
            #expect(plain.status == 0 && !plain.stdout.contains("nginx reloaded"), "the site did not change: \(plain.stdout)")
            let dry = try steward("nginx", ["deploy", "broker_portal@prod", "--ref", "v1.4.0", "--dry-run"])
            #expect(dry.stdout.contains("when /etc/nginx/sites-enabled/django (a file of the release) changes: nginx -t -q -c /etc/nginx/nginx.conf"), "\(dry.stdout)")
            let changed = try steward("nginx", ["deploy", "broker_portal@prod", "--ref", "v1.4.0"])
            #expect(changed.status == 0, "\(changed.stdout)\(changed.stderr)")
            #expect(changed.stdout.contains("/etc/nginx/sites-enabled/django changed: nginx -t passed, nginx reloaded"), "\(changed.stdout)")
            #expect(try ctl("header") == "1.4.0")
            // A release whose site config nginx rejects: nothing is reloaded with it, the code goes back.
            let broken = try steward("nginx", ["deploy", "broker_portal@prod", "--ref", "v1.5.0"])
            #expect(broken.status == 2, "\(broken.stdout)\(broken.stderr)")
            #expect(broken.stdout.contains("nginx exited 1"), "\(broken.stdout)")
            #expect(try ctl("header") == "1.4.0")
            #expect(try serving("prod") == "1.4.0 0002_chip_price")
            #expect(try sandbox().exec(["nginx", "-t", "-q"]).status == 0)
        }

        @Test func aDeclaredMigrationCommandRunsWhenItsCheckSaysSomethingIsPending() throws {
            try ctl("reset", "prod")
            let manifest = "/run/chip-command.yml"
            // The same manifest with broker_portal's migrations declared as a command and its check.
            let made = try sandbox().exec(["bash", "-c", "sed '0,/      workdir: chip_dashboard/s//      workdir: chip_dashboard\\n      migrations: {kind: command, command: [python, manage.py, migrate, --noinput], check: [python, manage.py, migrate, --check]}/' \(Self.manifest) >\(manifest)"])
            #expect(made.status == 0)
            func deploy(_ ref: String) throws -> Sandbox.Output {
                try sandbox().steward(["deploy", "broker_portal@prod", "--ref", ref, "--manifest", manifest,
                                       "--state", "/var/lib/steward-command/state.db", "--store", "/var/backups/command"])
            }
            let first = try deploy("v1.1.0")
            #expect(first.status == 0, "\(first.stdout)\(first.stderr)")
            #expect(first.stdout.contains("applied 1 command migration(s)") && first.stdout.contains("backup #1"), "\(first.stdout)")
            #expect(try ctl("migrations", "prod") == "0001_initial\n0002_chip_price")
            let again = try deploy("v1.1.0")
            #expect(again.stdout.contains("no pending command migrations"), "\(again.stdout)")
        }

        @Test func recoveryWaitsForACommandTheKilledDeployLeftRunning() throws {
            try ctl("reset", "prod")
            try ctl("hook", "prod", "pre-deploy", "sleep 4")
            defer { _ = try? ctl("unhook", "prod") }
            let started = try sandbox().exec(["bash", "-c", "setsid \(Sandbox.stewardBinary) deploy broker_portal@prod --ref v1.1.0 --manifest \(Self.manifest) --state /var/lib/steward-orphan/state.db --store /var/backups/orphan >/run/orphan-deploy.log 2>&1 & echo $!"])
            let pid = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            let hookRuns = try sandbox().exec(["bash", "-c", "for i in $(seq 100); do pgrep -f '^sleep 4' >/dev/null && exit 0; sleep 0.05; done; exit 1"])
            #expect(hookRuns.status == 0)
            _ = try sandbox().exec(["kill", "-9", pid])
            // The hook (its own session) outlives steward: recovery waits for it.
            let early = try steward("orphan", ["deploy", "broker_portal@prod", "--abort"])
            #expect(early.status == 3 && early.stderr.contains("is still running") && early.stderr.contains("sleep 4"), "\(early.stdout)\(early.stderr)")
            let gone = try sandbox().exec(["bash", "-c", "for i in $(seq 120); do pgrep -f '^sleep 4' >/dev/null || exit 0; sleep 0.05; done; exit 1"])
            #expect(gone.status == 0)
            let abort = try steward("orphan", ["deploy", "broker_portal@prod", "--abort"])
            #expect(abort.status == 0, "\(abort.stdout)\(abort.stderr)")
            #expect(try serving("prod") == "1.0.0 0001_initial")
        }
    }
}