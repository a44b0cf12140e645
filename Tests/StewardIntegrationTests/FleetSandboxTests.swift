import Foundation
import Testing

/// `--hosts` over real OpenSSH: two real-systemd sandboxes running Debian's sshd, each in its own network namespace,
/// joined by a veth pair to a namespace of the test's own where the controller (`steward … --hosts`) runs, plus a
/// third host that cannot be reached. Steward is copied to each host on first use, reused after, a host key that
/// changed is refused, a release is promoted from one host to another (refused when the tag names another commit
/// there), a rolling deploy stops at the host whose health gate fails (that host put back, the first kept, or rolled
/// back with --all-or-nothing), `steward serve` watches the hosts' own checks over the same SSH, and the hosts' secret
/// never crosses.
@Suite(.serialized) struct FleetSandboxTests {
    static let canary = (try? String(contentsOfFile: Sandbox.packageRoot.appendingPathComponent("Tests/Scenarios/fleet/secret-canary").path,
                                     encoding: .utf8))?.trimmingCharacters(in: .whitespacesAndNewlines) ?? "missing"

    /// Runs argv on this machine; fails the test when it fails.
    @discardableResult
    static func must(_ argv: [String]) throws -> Sandbox.Output {
        let r = try Sandbox.run(argv)
        guard r.status == 0 else { throw SandboxError("\(argv.joined(separator: " ")) failed (\(r.status)): \(r.stderr.suffix(600))") }
        return r
    }

    @Test func auditAndCheckAcrossHostsOverRealSSH() throws {
        let tag = String(UUID().uuidString.prefix(6)).lowercased()
        let dir = "/tmp/steward-fleet-\(tag)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: false, attributes: [.posixPermissions: 0o700])
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let netns = "stwfleet-\(tag)"
        try Self.must(["/usr/bin/ip", "netns", "add", netns])
        defer { _ = try? Sandbox.run(["/usr/bin/ip", "netns", "del", netns]) }
        try Self.must(["/usr/bin/ip", "-n", netns, "link", "set", "lo", "up"])
        try Self.must(["/usr/bin/ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", "\(dir)/id"])

        var sandboxes: [Sandbox] = []
        defer { for s in sandboxes { s.stop() } }
        var fingerprints: [String] = []
        for i in 1...2 {
            let sandbox = try Sandbox.boot("fleet")
            sandboxes.append(sandbox)
            let pid = try String(contentsOfFile: sandbox.state + "/pid", encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            let veth = "sf\(i)\(tag)"
            try Self.must(["/usr/bin/ip", "link", "add", veth, "netns", netns, "type", "veth", "peer", "name", "eth0", "netns", pid])
            try Self.must(["/usr/bin/ip", "-n", netns, "addr", "add", "10.231.\(i).1/30", "dev", veth])
            try Self.must(["/usr/bin/ip", "-n", netns, "link", "set", veth, "up"])
            for argv in [["ip", "addr", "add", "10.231.\(i).2/30", "dev", "eth0"], ["ip", "link", "set", "eth0", "up"]] {
                let r = try sandbox.exec(argv)
                guard r.status == 0 else { throw SandboxError("\(argv) in h\(i): \(r.stderr)") }
            }
            try FileManager.default.copyItem(atPath: "\(dir)/id.pub", toPath: sandbox.state + "/share/id.pub")
            let installed = try sandbox.exec(["install", "-m", "0600", sandbox.state + "/share/id.pub", "/root/.ssh/authorized_keys"])
            #expect(installed.status == 0, "\(installed.stderr)")
            // The fingerprint as the host's console shows it, to compare with what `hosts trust` shows.
            let own = try sandbox.exec(["ssh-keygen", "-l", "-f", "/etc/ssh/ssh_host_ed25519_key.pub"]).stdout.split(separator: " ")
            fingerprints.append(own.count > 1 ? String(own[1]) : "none")
        }
        try """
            Host *
              User root
              IdentityFile \(dir)/id
              IdentitiesOnly yes
              UserKnownHostsFile \(dir)/known_hosts
              GlobalKnownHostsFile /dev/null

            """.write(toFile: "\(dir)/ssh_config", atomically: true, encoding: .utf8)
        try """
            version: 1
            hosts:
              h1: {ssh: 10.231.1.2, groups: [web]}
              h2: {ssh: 10.231.2.2, groups: [web]}
              down: {ssh: 10.231.9.2, groups: [db]}

            """.write(toFile: "\(dir)/inventory.yml", atomically: true, encoding: .utf8)
        chmod("\(dir)/inventory.yml", 0o600)
        func steward(_ args: [String]) throws -> Sandbox.Output {
            try Sandbox.run(["/usr/bin/ip", "netns", "exec", netns, Sandbox.stewardBinary] + args
                            + ["--inventory", "\(dir)/inventory.yml", "--ssh-config", "\(dir)/ssh_config"])
        }
        func hostsOf(_ r: Sandbox.Output) throws -> [String: [String: Any]] {
            let document = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            #expect(document?["schema"] as? String == "steward.fleet/1")
            return (document?["hosts"] as? [String: [String: Any]]) ?? [:]
        }

        // Trusting: shown first, written only with --yes; the host that cannot be reached is unknown.
        let shown = try steward(["hosts", "trust", "all"])
        #expect(shown.status == 3, "\(shown.stdout)\(shown.stderr)")
        #expect(shown.stdout.contains("h1 10.231.1.2: new\n  offered:  \(fingerprints[0]) (ED25519)\n  offered:  SHA256:"), "\(shown.stdout)")
        #expect(shown.stdout.contains("h2 10.231.2.2: new\n") && shown.stdout.contains(fingerprints[1]))
        #expect(shown.stdout.contains("down 10.231.9.2: unknown: no host key answered on 10.231.9.2 port 22"), "\(shown.stdout)")
        #expect(!FileManager.default.fileExists(atPath: "\(dir)/known_hosts"))
        let trusted = try steward(["hosts", "trust", "web", "--yes"])
        #expect(trusted.status == 0, "\(trusted.stdout)\(trusted.stderr)")
        #expect(trusted.stdout.contains("  recorded in \(dir)/known_hosts\n"))
        let again = try steward(["hosts", "trust", "web", "--yes"])
        #expect(again.status == 0 && again.stdout.hasPrefix("h1 10.231.1.2: trusted already\n"), "\(again.stdout)")
        #expect(again.stdout.contains("h2 10.231.2.2: trusted already\n"))

        // First run: Steward is copied to both hosts; the third is unknown with ssh's reason; the worst code wins.
        let first = try steward(["audit", "--hosts", "all", "--format", "json"])
        #expect(first.status == 3, "\(first.stderr.suffix(2000))")
        let audited = try hostsOf(first)
        #expect(Set(audited.keys) == ["h1", "h2", "down"])
        for name in ["h1", "h2"] {
            #expect(audited[name]?["binary"] as? String == "copied", "\(name): \(audited[name] ?? [:])")
            let result = audited[name]?["result"] as? [String: Any]
            // The host's own audit report, as `steward audit --format json` prints it there.
            #expect(result?["schemaVersion"] as? Int == 1 && (result?["findings"] as? [Any]) != nil, "\(name): \(String(describing: audited[name]))")
            #expect((result?["inventory"] as? [[String: Any]])?.first?["unit"] as? String == "hello@prod.service")
        }
        let reason = audited["down"]?["unreachable"] as? String ?? ""
        #expect(reason.hasPrefix("down (10.231.9.2): ssh failed (exit 255):") && reason.contains("unreachable"), "\(reason)")
        #expect(audited["down"]?["exit_code"] as? Int == 3)
        let local = try Self.must(["/usr/bin/sha256sum", Sandbox.stewardBinary]).stdout.prefix(64)
        for sandbox in sandboxes {
            let there = try sandbox.exec(["stat", "-c", "%a %U", "/var/lib/steward/bin/steward", "/var/lib/steward/bin"]).stdout
            #expect(there == "700 root\n700 root\n")
            #expect(try sandbox.exec(["sha256sum", "/var/lib/steward/bin/steward"]).stdout.prefix(64) == local)
            #expect(try sandbox.exec(["test", "-e", "/var/lib/steward/bin/steward.new"]).status == 1)
        }

        // Second run, a group: the copies are reused; each host runs its own manifest's checks, which pass.
        let second = try steward(["check", "--hosts", "web"])
        #expect(second.status == 0, "\(second.stdout.suffix(2000))\(second.stderr.suffix(1000))")
        #expect(second.stdout.contains("== h1 (10.231.1.2) · ") && second.stdout.contains("== h2 (10.231.2.2) · "))
        #expect(!second.stdout.contains("Steward copied"))
        #expect(second.stdout.contains("hello health"))
        #expect(second.stdout.hasSuffix("fleet: 2 host(s), check: h1 ok, h2 ok; exit 0\n"), "\(second.stdout.suffix(300))")
        // With the masters up, a session is opened on their control sockets without starting ssh: the same run with
        // no ssh to be found answers alike.
        let noSSH = try Sandbox.run(["/usr/bin/ip", "netns", "exec", netns, "/usr/bin/env", "PATH=/nonexistent", Sandbox.stewardBinary,
                                     "check", "--hosts", "web", "--inventory", "\(dir)/inventory.yml", "--ssh-config", "\(dir)/ssh_config"])
        #expect(noSSH.status == 0 && noSSH.stdout.hasSuffix("fleet: 2 host(s), check: h1 ok, h2 ok; exit 0\n"), "\(noSSH.stdout.suffix(600))\(noSSH.stderr.suffix(300))")

        // Another build on h1 (its copy with one byte more: the same program to the kernel, another SHA-256): its
        // agent runs nothing for this controller, which copies its own build over and asks again.
        #expect(try sandboxes[0].exec(["bash", "-c", "printf x >>/var/lib/steward/bin/steward"]).status == 0)
        let rebuilt = try steward(["status", "--hosts", "h1", "--format", "json"])
        #expect(rebuilt.status == 0, "\(rebuilt.stdout.suffix(1500))\(rebuilt.stderr.suffix(500))")
        #expect(try hostsOf(rebuilt)["h1"]?["binary"] as? String == "copied")
        #expect(try sandboxes[0].exec(["sha256sum", "/var/lib/steward/bin/steward"]).stdout.prefix(64) == local)
        // An agent asked to be a build it is not runs nothing and writes nothing on stdout.
        let other = try sandboxes[0].exec(["bash", "-c", #"printf '{"operation":"status"}' | /var/lib/steward/bin/steward agent --expect-sha256 "$1""#,
                                           "agent", String(repeating: "0", count: 64)])
        #expect(other.status == 10 && other.stdout.isEmpty && other.stderr.contains("another build than the controller's"), "\(other)")
        // Each host remembers its copy's digest (the agents' check costs a stat), in a file only root can write.
        for sandbox in sandboxes {
            let cache = try sandbox.exec(["stat", "-c", "%a %U", "/var/cache/steward", "/var/cache/steward/self-sha256"]).stdout
            #expect(cache == "700 root\n600 root\n")
            #expect(try sandbox.exec(["cut", "-d", " ", "-f", "9", "/var/cache/steward/self-sha256"]).stdout.prefix(64) == local)
        }

        // The state-reading commands too: each host's own state database (none yet: nothing deployed there).
        let status = try steward(["status", "--hosts", "h1,h2", "--format", "json"])
        #expect(status.status == 0, "\(status.stdout.suffix(1500))\(status.stderr.suffix(500))")
        for (name, host) in try hostsOf(status) {
            #expect((host["result"] as? [String: Any])?["schema"] as? String == "steward.status/1", "\(name): \(host)")
        }

        // h2's host key changes (and its sessions end): refused, never trusted on the way; h1 still answers.
        let rekey = try sandboxes[1].exec(["bash", "-c",
            "rm -f /etc/ssh/ssh_host_* && ssh-keygen -A >/dev/null && systemctl stop ssh && pkill -KILL -x sshd; systemctl start ssh"])
        #expect(rekey.status == 0, "\(rekey.stderr)")
        let third = try steward(["check", "--hosts", "web", "--format", "json"])
        #expect(third.status == 3)
        let checked = try hostsOf(third)
        #expect(checked["h1"]?["exit_code"] as? Int == 0 && checked["h1"]?["binary"] as? String == "reused")
        let keyRefused = checked["h2"]?["unreachable"] as? String ?? ""
        #expect(keyRefused == "h2 (10.231.2.2): ssh failed (exit 255): Host key verification failed.", "\(keyRefused)")
        // Trusting it again is refused until the operator says the change is expected.
        let changed = try steward(["hosts", "trust", "h2", "--yes"])
        #expect(changed.status == 2 && changed.stdout.contains("h2 10.231.2.2: CHANGED") && changed.stdout.contains("  recorded: \(fingerprints[1]) (ED25519)"),
                "\(changed.stdout)")
        let replaced = try steward(["hosts", "trust", "h2", "--yes", "--replace"])
        #expect(replaced.status == 0, "\(replaced.stdout)")
        let fourth = try steward(["check", "--hosts", "h2", "--format", "json"])
        let afterReplace = try hostsOf(fourth)
        #expect(fourth.status == 0 && afterReplace["h2"]?["exit_code"] as? Int == 0, "\(fourth.stdout.suffix(800))")

        func served(_ sandbox: Sandbox) throws -> String {
            try sandbox.exec(["curl", "-s", "http://127.0.0.1:8300/version.txt"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        func rollout(_ r: Sandbox.Output) throws -> (id: String, steps: [String: String]) {
            let document = try JSONSerialization.jsonObject(with: Data(r.stdout.utf8)) as? [String: Any]
            #expect(document?["schema"] as? String == "steward.rollout/1", "\(r.stdout.prefix(300))\(r.stderr.suffix(800))")
            let hosts = document?["hosts"] as? [String: [String: Any]] ?? [:]
            return (document?["operation_id"] as? String ?? "none", hosts.compactMapValues { $0["step"] as? String })
        }

        // Promotion across hosts (seed 000's test -> prod on two machines): h1 takes v2, then h2 gets exactly what
        // h1 runs.
        let h1v2 = try steward(["deploy", "hello@prod", "--ref", "v2", "--hosts", "h1"])
        #expect(try h1v2.status == 0 && served(sandboxes[0]) == "v2", "\(h1v2.stdout.suffix(1200))\(h1v2.stderr.suffix(600))")
        let promoted = try steward(["promote", "hello", "--from", "prod@h1", "--to", "prod@h2", "--format", "json"])
        #expect(promoted.status == 0, "\(promoted.stdout.suffix(1500))\(promoted.stderr.suffix(800))")
        let promotion = try JSONSerialization.jsonObject(with: Data(promoted.stdout.utf8)) as? [String: Any]
        #expect(promotion?["schema"] as? String == "steward.promote/1" && promotion?["tag"] as? String == "v2"
                && promotion?["from"] as? String == "prod@h1" && promotion?["to"] as? String == "prod@h2", "\(promoted.stdout.prefix(600))")
        let record = (promotion?["deploy"] as? [String: Any])?["record"] as? [String: Any]
        #expect(record?["kind"] as? String == "promote" && record?["commit"] as? String == promotion?["commit"] as? String, "\(String(describing: record))")
        #expect(try served(sandboxes[1]) == "v2")

        // A rolling deploy, one host per batch. h2's copies of v3 and v4 fail their health check there (the same tags
        // deploy fine on h1): h1 takes v3 and keeps it; h2's own deploy puts v2 back; the rollout stops at h2.
        try FileManager.default.copyItem(atPath: Sandbox.packageRoot.appendingPathComponent("Tests/Scenarios/fleet/break-release.sh").path,
                                         toPath: sandboxes[1].state + "/share/break-release.sh")
        let broken = try sandboxes[1].exec(["bash", sandboxes[1].state + "/share/break-release.sh", "v3", "v4"])
        #expect(broken.status == 0, "\(broken.stderr)")
        let rolled = try steward(["deploy", "hello@prod", "--ref", "v3", "--hosts", "web", "--batch", "1", "--format", "json"])
        #expect(rolled.status == 2, "\(rolled.stdout.suffix(1500))\(rolled.stderr.suffix(800))")
        let firstRollout = try rollout(rolled)
        #expect(firstRollout.steps == ["h1": "deployed", "h2": "failed"], "\(firstRollout)")
        #expect(try served(sandboxes[0]) == "v3" && served(sandboxes[1]) == "v2")
        // One operation id ties the hosts' records together; `releases --hosts` shows them side by side.
        let releases = try steward(["releases", "hello@prod", "--hosts", "web", "--format", "json"])
        #expect(releases.status == 0, "\(releases.stdout.suffix(800))\(releases.stderr.suffix(400))")
        for (name, host) in try hostsOf(releases) {
            let latest = ((host["result"] as? [String: Any])?["releases"] as? [[String: Any]])?.first
            #expect(latest?["operationID"] as? String == firstRollout.id && latest?["ref"] as? String == "v3", "\(name): \(String(describing: latest))")
        }

        // --all-or-nothing: h1 takes v4, h2 fails it, and h1 is rolled back to v3: both hosts as they were.
        let all = try steward(["deploy", "hello@prod", "--ref", "v4", "--hosts", "web", "--all-or-nothing", "--format", "json"])
        #expect(all.status == 2, "\(all.stdout.suffix(1500))\(all.stderr.suffix(800))")
        #expect(try rollout(all).steps == ["h1": "rolled_back", "h2": "failed"], "\(all.stdout.suffix(1500))")
        #expect(try served(sandboxes[0]) == "v3" && served(sandboxes[1]) == "v2")
        let text = try steward(["deploy", "hello@prod", "--ref", "v4", "--hosts", "web"])
        #expect(text.status == 2 && text.stdout.contains("  h1  batch 1  deployed\n  h2  batch 2  failed\n")
                && text.stdout.hasSuffix("stopped at h2; exit 2\n"), "\(text.stdout.suffix(1200))")
        #expect(try served(sandboxes[0]) == "v4" && served(sandboxes[1]) == "v2")

        // h1's v4 is not h2's v4 (another commit there): promoting it deploys nothing on h2.
        let refused = try steward(["promote", "hello", "--from", "prod@h1", "--to", "prod@h2"])
        #expect(refused.status != 0 && (refused.stdout + refused.stderr).contains("where it is promoted from"),
                "\(refused.stdout.suffix(1500))\(refused.stderr.suffix(800))")
        #expect(try served(sandboxes[1]) == "v2")

        // The daemon's view of the fleet: `steward serve` here, with serve.fleet, runs each host's own checks over
        // the same SSH every 10 s; /api/v1/hosts shows h1 and h2 judged by them and `down` unknown with ssh's reason,
        // and its history keeps them under fleet:HOST/CHECK.
        try """
            version: 1
            serve:
              port: 8470
              tokens: \(dir)/tokens
              history: {path: \(dir)/history.db}
              audit: {interval: 1d}
              fleet: {hosts: all, inventory: \(dir)/inventory.yml, ssh_config: \(dir)/ssh_config, interval: 10s}

            """.write(toFile: "\(dir)/controller.yml", atomically: true, encoding: .utf8)
        chmod("\(dir)/controller.yml", 0o600)
        let tokenOut = try Self.must([Sandbox.stewardBinary, "serve", "token", "add", "fleet", "--scope", "read", "--manifest", "\(dir)/controller.yml",
                                      "--state", "\(dir)/state.db", "--format", "json"])
        let token = ((try JSONSerialization.jsonObject(with: Data(tokenOut.stdout.utf8)) as? [String: Any])?["token"] as? String) ?? "none"
        try Self.must(["/bin/bash", "-c", "ip netns exec \(netns) setsid \(Sandbox.stewardBinary) serve --manifest \(dir)/controller.yml "
                       + "--state \(dir)/state.db >\(dir)/serve.log 2>&1 </dev/null & echo $! >\(dir)/serve.pid"])
        defer { _ = try? Sandbox.run(["/bin/bash", "-c", "kill $(cat \(dir)/serve.pid) 2>/dev/null; sleep 1; kill -9 $(cat \(dir)/serve.pid) 2>/dev/null; true"]) }
        func hostsAPI() throws -> [[String: Any]] {
            let r = try Sandbox.run(["/usr/bin/ip", "netns", "exec", netns, "curl", "-sf", "-H", "Authorization: Bearer \(token)",
                                     "http://127.0.0.1:8470/api/v1/hosts"])
            return ((try? JSONSerialization.jsonObject(with: Data(r.stdout.utf8))) as? [String: Any])?["hosts"] as? [[String: Any]] ?? []
        }
        var watched: [[String: Any]] = []
        for _ in 0..<60 {
            watched = try hostsAPI()
            if watched.count == 3 && watched.allSatisfy({ $0["polled_at"] != nil }) { break }
            Thread.sleep(forTimeInterval: 1)
        }
        let serveLog = (try? String(contentsOfFile: "\(dir)/serve.log", encoding: .utf8)) ?? ""
        #expect(watched.map { $0["name"] as? String } == ["h1", "h2", "down"], "\(watched)\n\(serveLog.suffix(2000))")
        #expect(watched.map { $0["state"] as? String } == ["ok", "ok", "unknown"], "\(watched)")
        let h1Checks = (watched.first?["checks"] as? [[String: Any]] ?? []).compactMap { $0["key"] as? String }
        #expect(h1Checks.contains("fleet:h1/hello health"), "\(h1Checks)")
        #expect((watched.last?["reason"] as? String ?? "").hasPrefix("down (10.231.9.2): ssh failed (exit 255):"), "\(watched)")
        var series = ""
        for _ in 0..<30 {  // the history writer commits in batches
            series = try Sandbox.run(["/usr/bin/ip", "netns", "exec", netns, "curl", "-sf", "-H", "Authorization: Bearer \(token)",
                                      "http://127.0.0.1:8470/api/v1/hosts/h2/checks/hello%20health/history?step=raw"]).stdout
            if series.contains(#""runs":1"#) { break }
            Thread.sleep(forTimeInterval: 1)
        }
        #expect(series.contains(#""key":"fleet:h2/hello health""#) && series.contains(#""runs":1"#), "\(series.prefix(600))")
        #expect(!serveLog.contains(Self.canary), "the hosts' secret reached the daemon's log")

        for r in [first, second, third, fourth, h1v2, promoted, rolled, releases, all, text, refused] {
            #expect(!(r.stdout + r.stderr).contains(Self.canary), "the hosts' secret crossed the wire")
        }
    }
}
