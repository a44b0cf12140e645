import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// Email and command deliveries through the real runner: a fake `sendmail` and a channel command, both shell
/// scripts that record what they were given (argv, stdin and how it was opened, environment, user).
@Suite struct ChannelDeliveryProgramTests {
    let tree: TempTree
    let message = ChannelMessageFixture.message()
    var outbox: String { tree.root + "/outbox" }

    init() throws {
        tree = try TempTree()
        try tree.mkdir("/out", mode: 0o777)
    }

    func delivery(sendmail: String = "/usr/sbin/sendmail") -> ChannelDelivery {
        ChannelDelivery(runner: CommandRunner(), files: HostFiles(root: tree.root), allowPrivate: [], sendmail: sendmail,
                        outbox: outbox, timeout: .seconds(10))
    }

    /// A script that writes its argv, its stdin, the mode and path of the file behind its stdin, its environment and
    /// its uid under /out, then prints `said` to stderr and exits `status`.
    func recorder(_ name: String, status: Int = 0, said: String = "") throws -> String {
        try tree.write("/bin/\(name)", """
            #!/bin/sh
            out=\(tree.root)/out
            printf '%s\\n' "$@" > $out/argv
            stat -L -c %a /proc/self/fd/0 > $out/mode
            readlink /proc/self/fd/0 > $out/path
            id -u > $out/uid
            env > $out/env
            cat > $out/stdin
            printf '%s' '\(said)' >&2
            exit \(status)

            """, mode: 0o755)
    }

    func recorded(_ name: String) -> String { (try? String(contentsOfFile: tree.root + "/out/" + name, encoding: .utf8)) ?? "" }

    func outboxFiles() -> [String] { (try? FileManager.default.contentsOfDirectory(atPath: outbox)) ?? [] }

    @Test func anEmailGoesToSendmailFromAPrivateFileThatIsRemovedAfter() async throws {
        let sendmail = try recorder("sendmail")
        let channel = AlertChannel(name: "mail", kind: .email(to: ["ops@example.com"], from: "steward@example.com"))
        let outcome = await delivery(sendmail: sendmail).deliver(message, via: channel)
        #expect(outcome == DeliveryOutcome(ok: true, detail: "\(sendmail) exited 0"))
        #expect(recorded("argv") == "-t\n-i\n")
        #expect(recorded("mode") == "600\n")
        let path = recorded("path").trimmingCharacters(in: .newlines)
        #expect(path.hasPrefix(outbox + "/") && path.hasSuffix(".eml"), "\(path)")
        let sent = recorded("stdin")
        let id = try #require(sent.firstMatch(of: /Message-ID: <([0-9a-f-]+)@web1>/)?.1)
        #expect(sent == AlertEmail.render(message, to: ["ops@example.com"], from: "steward@example.com", messageID: String(id)))
        #expect(outboxFiles().isEmpty, "left behind: \(outboxFiles())")
        #expect(!FileManager.default.fileExists(atPath: path))
        let mode = try #require(FileManager.default.attributesOfItem(atPath: outbox)[.posixPermissions] as? Int)
        #expect(mode == 0o700)
    }

    @Test func aSendmailFailureSaysWhatItSaidAndStillRemovesTheFile() async throws {
        let sendmail = try recorder("sendmail", status: 75, said: "sendmail: cannot connect to relay.example.com")
        let outcome = await delivery(sendmail: sendmail).deliver(message, via: AlertChannel(name: "mail", kind: .email(to: ["a@example.com"], from: nil)))
        #expect(outcome == DeliveryOutcome(ok: false, detail: "\(sendmail) exited 75: sendmail: cannot connect to relay.example.com"))
        #expect(outboxFiles().isEmpty)
    }

    @Test func noSendmailIsAnOutcome() async throws {
        let outcome = await delivery(sendmail: tree.root + "/bin/none").deliver(message, via: AlertChannel(name: "mail", kind: .email(to: ["a@example.com"], from: nil)))
        #expect(outcome == DeliveryOutcome(ok: false, detail: "command not found: \(tree.root)/bin/none"))
        #expect(outboxFiles().isEmpty)
    }

    @Test func aCommandGetsTheJSONOnStdinAndTheAlertInItsEnvironment() async throws {
        let script = try recorder("page")
        let channel = AlertChannel(name: "pager", kind: .command(argv: [script, "--team", "on call"], user: nil))
        let outcome = await delivery().deliver(message, via: channel)
        #expect(outcome == DeliveryOutcome(ok: true, detail: "\(script) exited 0"))
        #expect(recorded("argv") == "--team\non call\n")
        #expect(recorded("stdin") == String(decoding: AlertWebhookBody.render(message), as: UTF8.self))
        let env = Set(recorded("env").split(separator: "\n").map(String.init))
        #expect(env.isSuperset(of: ["STEWARD_ALERT_EVENT=firing", "STEWARD_ALERT_ID=7"]))
        #expect(recorded("uid") == "\(geteuid())\n")
        #expect(outboxFiles().isEmpty)
    }

    /// As `user`, the command still reads the notice: the runner opens the root-only outbox file and hands it over.
    @Test func aCommandRunsAsItsUser() async throws {
        try #require(geteuid() == 0, "needs root, like Steward")
        let script = try recorder("page")
        let outcome = await delivery().deliver(message, via: AlertChannel(name: "pager", kind: .command(argv: [script], user: "nobody")))
        #expect(outcome.ok, "\(outcome.detail)")
        #expect(recorded("uid") == "65534\n")
        #expect(recorded("stdin") == String(decoding: AlertWebhookBody.render(message), as: UTF8.self))
        #expect(outboxFiles().isEmpty)
    }

    @Test func aCommandThatFailsIsAFailedDelivery() async throws {
        let script = try recorder("page", status: 3, said: "pager service down")
        let outcome = await delivery().deliver(message, via: AlertChannel(name: "pager", kind: .command(argv: [script], user: nil)))
        #expect(outcome == DeliveryOutcome(ok: false, detail: "\(script) exited 3: pager service down"))
    }
}
