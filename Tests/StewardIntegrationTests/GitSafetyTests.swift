import Foundation
import Testing

extension IntegrationTests {
    /// N1's checkouts are calb's: everything git would run from them (filters, textconv, pager, fsmonitor, hooks)
    /// is planted there by calb, each program writing `id -u` into a marker, and Steward runs as root. Nothing may
    /// run as uid 0; the audit still reads the checkout's branch and drift; a deploy still checks out the tag.
    /// A token in a remote URL reaches no argv; a variable exported to Steward reaches no hook.
    @Suite(.sandbox("n1"), .serialized) struct GitSafety {
        static let repo = Sandbox.packageRoot.path
        static let manifest = repo + "/Tests/Scenarios/n1/deploy.yml"
        static let checkout = "/opt/calb/test/CALB_SIZINGTOOL"
        static let marker = "/run/gitsafety/marker"
        static let canary = "canary-env-7d3e91"
        static let token = "ghp_GITSAFETYTOKEN0a1b2c"

        func sandbox() throws -> Sandbox { try SandboxScenario.sandbox() }

        @discardableResult
        func sh(_ script: String) throws -> String {
            let r = try sandbox().exec(["bash", "-c", script])
            try #require(r.status == 0, "\(script): \(r.stderr)")
            return r.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        /// The uids the planted programs ran as, one line each.
        func markerUIDs() throws -> [String] {
            try sh("cat \(Self.marker) 2>/dev/null || true").split(separator: "\n").map(String.init)
        }

        func plant() throws {
            try sh("""
                set -e
                install -d -m 0777 /run/gitsafety
                : > \(Self.marker); chmod 0666 \(Self.marker)
                cat > /home/calb/planted.sh <<'SH'
                #!/bin/sh
                id -u >> \(Self.marker)
                case "$1" in textconv) cat "$2" ;; filter|pager) cat ;; esac
                exit 0
                SH
                chown calb:calb /home/calb/planted.sh; chmod 0755 /home/calb/planted.sh
                as_calb() { setpriv --reuid=calb --regid=calb --init-groups -- env HOME=/home/calb "$@"; }
                cd \(Self.checkout)
                for kv in "filter.x.clean=/home/calb/planted.sh filter" "filter.x.smudge=/home/calb/planted.sh filter" \\
                          "diff.x.textconv=/home/calb/planted.sh textconv" "core.pager=/home/calb/planted.sh pager" \\
                          "core.fsmonitor=/home/calb/planted.sh"; do
                    as_calb git config "${kv%%=*}" "${kv#*=}"
                done
                printf '* filter=x diff=x\\n' | as_calb tee .git/info/attributes >/dev/null
                for h in post-checkout reference-transaction post-index-change pre-auto-gc fsmonitor-watchman; do
                    as_calb cp /home/calb/planted.sh .git/hooks/$h
                done
                # Same content, new mtime: git status must run the clean filter to tell.
                as_calb git ls-files -z | head -z -n 20 | as_calb xargs -0 touch
                """)
            // The plant works: a status run by calb runs the clean filter.
            try sh("cd \(Self.checkout) && setpriv --reuid=calb --regid=calb --init-groups -- env HOME=/home/calb git status --porcelain >/dev/null")
            let calb = try sh("id -u calb")
            #expect(try markerUIDs().contains(calb), "the planted filter does not run on git status: the test would prove nothing")
            // That status refreshed the index: new mtimes again, and an empty marker.
            try sh("cd \(Self.checkout) && setpriv --reuid=calb --regid=calb --init-groups -- git ls-files -z | head -z -n 20 | setpriv --reuid=calb --regid=calb --init-groups -- xargs -0 touch")
            try sh(": > \(Self.marker)")
        }

        @Test func plantedGitProgramsNeverRunAsRootInAuditOrDeploy() throws {
            try plant()
            let calb = try sh("id -u calb")

            let audit = try sandbox().steward(["audit", "--format", "json"])
            let report = try #require(try JSONSerialization.jsonObject(with: Data(audit.stdout.utf8)) as? [String: Any], "\(audit.stderr.prefix(500))")
            let dirs = try #require((report["facts"] as? [String: Any])?["appDirs"] as? [[String: Any]])
            let dir = try #require(dirs.first { $0["path"] as? String == Self.checkout })
            let git = try #require(dir["git"] as? [String: Any], "no git facts: \(dir["gitUnknown"] ?? "")")
            #expect(git["branch"] as? String == "refactor/streamlit-structure-v1")
            #expect(git["modified"] as? [String] == ["requirements.txt"], "the seed's drift is still seen")
            let afterAudit = try markerUIDs()
            #expect(!afterAudit.contains("0"), "a planted git program ran as root during the audit: \(afterAudit)")
            #expect(afterAudit.contains(calb), "git ran as calb and ran its filter: \(afterAudit)")

            // A deploy (fetch, checkout with smudge and hooks), with a token in Steward's own environment.
            try sh("bash \(Self.repo)/Tests/Scenarios/n1/make-origin.sh")
            try sh("setpriv --reuid=calb --regid=calb --init-groups -- env HOME=/home/calb git -C \(Self.checkout) checkout -q -- requirements.txt")
            try sh("""
                set -e
                as_calb() { setpriv --reuid=calb --regid=calb --init-groups -- "$@"; }
                as_calb mkdir -p \(Self.checkout)/.steward/hooks
                printf '#!/bin/sh\\nenv > /run/gitsafety/hook-env\\n' | as_calb tee \(Self.checkout)/.steward/hooks/pre-deploy >/dev/null
                chmod +x \(Self.checkout)/.steward/hooks/pre-deploy
                """)
            let deploy = try sandbox().exec(["env", "STEWARD_TEST_CANARY_TOKEN=\(Self.canary)", "GITHUB_TOKEN=\(Self.canary)", Sandbox.stewardBinary,
                                             "deploy", "calb-sizingtool@test", "--ref", "v20260110-1", "--manifest", Self.manifest,
                                             "--state", "/var/lib/steward-gitsafety/state.db", "--store", "/var/backups/gitsafety"])
            #expect(deploy.status == 0, "\(deploy.stdout)\(deploy.stderr)")
            #expect(try sh("setpriv --reuid=calb --regid=calb --init-groups -- env HOME=/home/calb git -C \(Self.checkout) describe --tags --exact-match HEAD") == "v20260110-1")
            let afterDeploy = try markerUIDs()
            #expect(!afterDeploy.contains("0"), "a planted git program ran as root during the deploy: \(afterDeploy)")
            let hookEnv = try sh("cat /run/gitsafety/hook-env")
            #expect(!hookEnv.contains(Self.canary), "Steward's environment reached the hook:\n\(hookEnv)")
            #expect(hookEnv.contains("HOME=/home/calb") && hookEnv.contains("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"), "\(hookEnv)")
        }

        /// The checkout's `origin` is `http://deploy:TOKEN@…` in its `.git/config` (the manifest takes only a remote's
        /// name): an HTTP server in the sandbox asks for Basic credentials and, on every request, looks through every
        /// process's argv for the token, while the fetch's git and git's own `git-remote-http` are running.
        @Test func aTokenInTheRemoteURLReachesTheServerButNoArgv() throws {
            let port = 18181
            try sh("""
                set -e
                install -d -m 0777 /run/gitsafety
                cat > /run/gitsafety/server.py <<'PY'
                import base64, http.server, os, sys
                token = sys.argv[2].encode()
                log = "/run/gitsafety/server.log"
                class Handler(http.server.BaseHTTPRequestHandler):
                    def do_GET(self):
                        leaks = []
                        for pid in os.listdir("/proc"):
                            if not pid.isdigit() or int(pid) == os.getpid():
                                continue
                            try:
                                cmdline = open(f"/proc/{pid}/cmdline", "rb").read()
                            except OSError:
                                continue
                            if token in cmdline:
                                leaks.append(cmdline.replace(b"\\0", b" ").decode(errors="replace"))
                        auth = self.headers.get("Authorization", "")
                        with open(log, "a") as f:
                            f.write(f"request {self.path}\\n")
                            if auth:
                                f.write("credentials " + base64.b64decode(auth.split()[1]).decode() + "\\n")
                            for leak in leaks:
                                f.write("ARGV-LEAK " + leak + "\\n")
                        self.send_response(404 if auth else 401)
                        if not auth:
                            self.send_header("WWW-Authenticate", 'Basic realm="git"')
                        self.send_header("Content-Length", "0")
                        self.end_headers()
                    def log_message(self, *args):
                        pass
                http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), Handler).serve_forever()
                PY
                systemd-run --quiet --unit=gitsafety-http /usr/bin/python3 /run/gitsafety/server.py \(port) \(Self.token)
                for _ in $(seq 50); do (exec 3<>/dev/tcp/127.0.0.1/\(port)) 2>/dev/null && break; sleep 0.1; done
                """)
            // The tag in the checkout (the preflight resolves it locally): the fetch from the remote is what is watched.
            try sh("""
                set -e
                [ -d /srv/git/calb.git ] || bash \(Self.repo)/Tests/Scenarios/n1/make-origin.sh
                as_calb() { setpriv --reuid=calb --regid=calb --init-groups -- env HOME=/home/calb "$@"; }
                as_calb git -C \(Self.checkout) fetch -q --tags /srv/git/calb.git
                as_calb git -C \(Self.checkout) checkout -q -- requirements.txt
                as_calb git -C \(Self.checkout) remote set-url origin http://deploy:\(Self.token)@127.0.0.1:\(port)/calb.git
                """)
            let deploy = try sandbox().steward(["deploy", "calb-sizingtool@test", "--ref", "v20260110-1", "--manifest", Self.manifest,
                                                "--state", "/var/lib/steward-gitsafety-remote/state.db", "--store", "/var/backups/gitsafety-remote"])
            let log = try sh("cat /run/gitsafety/server.log 2>/dev/null || true")
            try sh("systemctl stop gitsafety-http.service || true")
            #expect(deploy.status != 0, "the remote answers 404 to every authenticated request")
            #expect(log.contains("credentials deploy:\(Self.token)"), "the credentials did not reach the server: \(log)\n\(deploy.stdout)")
            #expect(!log.contains("ARGV-LEAK"), "the token was in a process's argv:\n\(log)")
            #expect(!deploy.stdout.contains(Self.token) && !deploy.stderr.contains(Self.token), "\(deploy.stdout)\(deploy.stderr)")
            // Nowhere new: only the config calb wrote it in.
            #expect(try sh("grep -rl -- \(Self.token) \(Self.checkout)/.git /home/calb 2>/dev/null || true") == "\(Self.checkout)/.git/config")
            try sh("setpriv --reuid=calb --regid=calb --init-groups -- git -C \(Self.checkout) remote set-url origin /srv/git/calb.git")
        }
    }
}
