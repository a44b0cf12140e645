import Foundation
import Testing
@testable import StewardCore

/// The email for `sendmail -t -i`: exact headers, an encoded Subject, and no way for any field to add a header.
@Suite struct RenderEmailTests {
    @Test func theMessageOfTheIssuesExample() {
        let text = AlertEmail.render(AlertMessageFixture.message(), to: ["ops@example.com", "oncall@example.com"],
                                     from: "Steward <steward@example.com>", messageID: "1f0c")
        #expect(text == """
            From: Steward <steward@example.com>
            To: ops@example.com, oncall@example.com
            Subject: =?UTF-8?B?W0ZJUklORyBjcml0aWNhbF0gbWFyYkBwcm9kL2FwaSBoZWFsdGg6IGFuc3dl?=
             =?UTF-8?B?cmVkIDUwMyDigJQgZmFpbGluZyBzaW5jZSBkZXBsb3kgIzEyIG9mIHYxLjQu?=
             =?UTF-8?B?MiAoYnkgYXBpOmNpKSwgMyBtaW51dGVzIGFmdGVyIGl0OyByb2xsIGJhY2s6?=
             =?UTF-8?B?IHN0ZXdhcmQgcm9sbGJhY2sgbWFyYkBwcm9k?=
            Date: Fri, 15 Jan 2027 08:01:00 +0000
            Message-ID: <1f0c@web1>
            Auto-Submitted: auto-generated
            MIME-Version: 1.0
            Content-Type: text/plain; charset=utf-8
            Content-Transfer-Encoding: 8bit

            [FIRING critical] marb@prod/api health: answered 503 — failing since deploy #12 of v1.4.2 (by api:ci), 3 minutes after it; roll back: steward rollback marb@prod

            Event:     firing
            Alert:     #7, rule api-down, step 0
            Subject:   marb@prod/api health
            App:       marb@prod
            Severity:  critical
            Summary:   answered 503
            Since:     2027-01-15T08:00:00Z
            Deploy:    #12 of v1.4.2 by api:ci at 2027-01-15T07:56:50Z
            Roll back: steward rollback marb@prod
            Host:      web1
            Sent:      2027-01-15T08:01:00Z

            -- 
            Sent by steward serve on web1.

            """)
    }

    /// The encoded Subject decodes (as a mail reader does: the words' payloads joined) to the one-line notice.
    @Test func theSubjectDecodesToTheLine() throws {
        let m = AlertMessageFixture.message()
        let text = AlertEmail.render(m, to: ["ops@example.com"], from: nil, messageID: "x")
        let subject = try #require(text.components(separatedBy: "\nDate:").first?.components(separatedBy: "Subject: ").last)
        let bytes = subject.components(separatedBy: "\n ").flatMap { word -> [UInt8] in
            [UInt8](Data(base64Encoded: String(word.dropFirst("=?UTF-8?B?".count).dropLast(2))) ?? Data())
        }
        #expect(String(decoding: bytes, as: UTF8.self) == AlertText.line(m))
        #expect(!text.contains("From:"), "without a from, the MTA writes its own")
    }

    @Test func noFieldCanAddAHeader() {
        let m = AlertMessage(event: .firing, alertID: 1, rule: "r\nBcc: rule@evil.example", subject: "s\r\nBcc: subject@evil.example",
                             app: "a\nBcc: app@evil.example", instance: "i", severity: .warning,
                             summary: "x\r\nBcc: summary@evil.example\n\nbody", since: AlertMessageFixture.since,
                             acknowledgedBy: "b\nBcc: ack@evil.example",
                             deploy: .init(id: 1, ref: "v\nBcc: ref@evil.example", operatorName: "o\rBcc: op@evil.example",
                                           startedAt: AlertMessageFixture.since, rollback: "steward\nBcc: rb@evil.example"),
                             host: "h\nBcc: host@evil.example", sentAt: AlertMessageFixture.since)
        let text = AlertEmail.render(m, to: ["ops@example.com\r\nBcc: to@evil.example"], from: "f@example.com\nBcc: from@evil.example",
                                     messageID: "id\nBcc: id@evil.example")
        let lines = text.components(separatedBy: "\n")
        #expect(!text.contains("\r"))
        #expect(!lines.contains { $0.hasPrefix("Bcc:") }, "a header was injected")
        let headerNames = lines.prefix { !$0.isEmpty }.filter { !$0.hasPrefix(" ") }.map { $0.prefix { $0 != ":" } }
        #expect(headerNames == ["From", "To", "Subject", "Date", "Message-ID", "Auto-Submitted", "MIME-Version", "Content-Type",
                                "Content-Transfer-Encoding"])
        #expect(text.contains("Message-ID: <id Bcc: id@evil.example@hBcchostevil.example>"))
        var resolved = m
        resolved.event = .resolved  // no deploy clause: an ASCII Subject, not encoded
        let plain = AlertEmail.render(resolved, to: ["ops@example.com"], from: nil, messageID: "x")
        #expect(plain.contains("\nSubject: [RESOLVED warning] s  Bcc: subject@evil.example: x  Bcc: summary@evil.example  body\n"))
        #expect(!plain.components(separatedBy: "\n").contains { $0.hasPrefix("Bcc:") })
    }
}
