import Foundation
import Testing

extension IntegrationTests {
    /// Env files as systemd reads them, in the real-systemd sandbox: a quoted multi-line secret (a PEM key whose
    /// base64 lines end in `=`) in the env file of a real unit never reaches any `steward audit` output, not even as a
    /// "key" name; and real systemd gives a unit exactly the values the parser's table says it does.
    @Suite(.sandbox("n1")) struct MultiLineSecret {
        /// Lines of the PEM body: before the fix, each became a key of the env file and was printed.
        static let bodyLines = ["MLCANARYMIIEvQIBADANBgkqhkiG9w0BAQEFAASC=", "MLCANARYNMoSfm76oqFvAp8Gy0iz5sxjZmSnXyCd=",
                                "MLCANARYQUOTEDsingleAa0u9Pca4zY=", "MLCANARYCONTINUEDpart2"]

        @Test func aMultiLineQuotedSecretIsInNoAuditOutput() throws {
            let sandbox = try SandboxScenario.sandbox()
            let script = """
                set -e
                cat > /etc/calb-sizingtool/pem.env <<'ENV'
                DEBUG=0
                TLS_PRIVATE_KEY="-----BEGIN PRIVATE KEY-----
                \(Self.bodyLines[0])
                \(Self.bodyLines[1])
                -----END PRIVATE KEY-----"
                SIGNING_KEY='-----BEGIN EC PRIVATE KEY-----
                \(Self.bodyLines[2])
                -----END EC PRIVATE KEY-----'
                API_SECRET=part1\\
                \(Self.bodyLines[3])
                ENV
                chmod 0640 /etc/calb-sizingtool/pem.env
                mkdir -p /etc/systemd/system/calb-sizingtool@.service.d
                cat > /etc/systemd/system/calb-sizingtool@.service.d/pem.conf <<'UNIT'
                [Service]
                EnvironmentFile=/etc/calb-sizingtool/pem.env
                UNIT
                systemctl daemon-reload
                systemctl restart calb-sizingtool@prod.service
                # systemd itself reads the value across lines: the unit's process has the whole key.
                pid=$(systemctl show -P MainPID calb-sizingtool@prod.service)
                tr '\\0' '\\n' < /proc/$pid/environ | grep -q '^TLS_PRIVATE_KEY=-----BEGIN PRIVATE KEY-----$'
                """
            let r = try sandbox.exec(["/bin/bash", "-c", script])
            try #require(r.status == 0, "planting failed: \(r.stdout)\(r.stderr)")

            var outputs: [String: String] = [:]
            for format in ["text", "json", "markdown"] {
                let out = try sandbox.steward(["audit", "--format", format])
                #expect([0, 1, 2].contains(out.status), "\(format): exit \(out.status) \(out.stderr)")
                outputs[format] = out.stdout + out.stderr
            }
            let file = sandbox.state + "/share/pem-runbook.md"
            _ = try sandbox.steward(["audit", "--format", "markdown", "--output", file])
            outputs["markdown file"] = try String(contentsOfFile: file, encoding: .utf8)
            for (format, output) in outputs {
                #expect(!output.isEmpty)
                #expect(!output.contains("MLCANARY"), "\(format) output shows a line of a multi-line secret")
                #expect(!output.contains("BEGIN PRIVATE KEY") && !output.contains("BEGIN EC PRIVATE KEY"), "\(format)")
            }
            // The file was read: its keys are all listed (a plain one too, so a line taken for a key would be listed
            // as well), its values masked.
            let json = outputs["json"] ?? ""
            #expect(json.contains("TLS_PRIVATE_KEY") && json.contains("SIGNING_KEY") && json.contains("API_SECRET"))
            #expect(json.contains("\"DEBUG\""))
        }

        /// The rows of EnvFileSystemdTests' table that systemd 252 and later agree on, given to a real unit: what the
        /// unit's process gets is what the table (and so the parser) says.
        @Test func realSystemdAgreesWithTheParserTable() throws {
            let sandbox = try SandboxScenario.sandbox()
            let rows: [(file: String, env: [String: String])] = [
                ("A=1\nB=two words\n", ["A": "1", "B": "two words"]),
                ("  A = 1  \n", ["A": "1"]),
                ("A=\"x\"'y'z\n", ["A": "xyz"]),
                ("A='a\nb=c'\nD=1\n", ["A": "a\nb=c", "D": "1"]),
                ("A=\"a\nB=c\"\n", ["A": "a\nB=c"]),
                ("A=\"q\\\"u\\\\o\\$t\\`e\\n\"\n", ["A": "q\"u\\o$t`e\\n"]),
                ("A=one\\\ntwo\n", ["A": "onetwo"]),
                ("A=\"one\\\ntwo\"\n", ["A": "onetwo"]),
                ("A=x\\ y\\#z\n", ["A": "x y#z"]),
                ("A=x # not a comment\n", ["A": "x # not a comment"]),
                ("# A=1\n; B=2\n  #C=3\n", [:]),
                ("export A=1\nB=2\n", ["B": "2"]),
                ("1A=x\nA-B=y\n_ok=1\n", ["_ok": "1"]),
                ("JUSTAKEY\nA=1\n", ["A": "1"]),
                ("A=\nB=\"\"\n", ["A": "", "B": ""]),
                ("A=1\r\nB=2\r\n", ["A": "1", "B": "2"]),
                ("A=1", ["A": "1"]),
            ]
            for (i, row) in rows.enumerated() {
                let path = sandbox.state + "/share/row\(i).env"
                try row.file.write(toFile: path, atomically: true, encoding: .utf8)
                let r = try sandbox.exec(["systemd-run", "--wait", "--pipe", "--quiet", "-p", "EnvironmentFile=\(path)",
                                          "/usr/bin/env", "-0"])
                try #require(r.status == 0, "row \(i): \(r.stderr)")
                var env: [String: String] = [:]
                for entry in r.stdout.split(separator: "\0") {
                    guard let eq = entry.firstIndex(of: "=") else { continue }
                    let key = String(entry[..<eq])
                    if ["A", "B", "D", "_ok", "JUSTAKEY", "C", "1A", "A-B", "export A"].contains(key) { env[key] = String(entry[entry.index(after: eq)...]) }
                }
                #expect(env == row.env, "row \(i): \(row.file.debugDescription)")
            }
        }
    }
}
