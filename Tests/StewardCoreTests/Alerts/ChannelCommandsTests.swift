import Testing
@testable import StewardCore

/// The argv that email and command channels run: exact, no shell, recipients never in argv.
@Suite struct ChannelCommandsTests {
    @Test func sendmailTakesTheRecipientsFromTheMessage() {
        let command = AlertCommands.sendmail("/usr/sbin/sendmail", message: "/run/steward/outbox/a.eml")
        #expect(command.argv == ["/usr/sbin/sendmail", "-t", "-i"])
        #expect(command.inputFile == "/run/steward/outbox/a.eml")
        #expect(command.environment.isEmpty && command.secretEnvironment.isEmpty)
    }

    @Test func aCommandGetsTheNoticeOnStdinAndItsIdsInTheEnvironment() throws {
        let command = try #require(AlertCommands.channel(argv: ["/usr/local/bin/page", "--team", "ops"], user: nil, event: .firing,
                                                         alertID: 7, input: "/run/steward/outbox/b.json"))
        #expect(command.argv == ["/usr/local/bin/page", "--team", "ops"])
        #expect(command.environment == ["STEWARD_ALERT_EVENT": "firing", "STEWARD_ALERT_ID": "7"])
        #expect(command.inputFile == "/run/steward/outbox/b.json")
    }

    @Test func asAUserItRunsThroughRunAs() throws {
        let command = try #require(AlertCommands.channel(argv: ["notify"], user: "pager", event: .resolved, alertID: 9, input: "/in"))
        #expect(command.argv == ["runuser", "-u", "pager", "--", "notify"])
        #expect(command.runAs?.command.argv == ["notify"])
        #expect(command.runAs?.command.inputFile == "/in")
        #expect(command.runAs?.command.environment["STEWARD_ALERT_EVENT"] == "resolved")
    }

    @Test func anEmptyArgvIsNoCommand() {
        #expect(AlertCommands.channel(argv: [], user: nil, event: .firing, alertID: 1, input: "/in") == nil)
    }
}
