import Testing
@testable import StewardCore

/// Redaction happens before text is cut, and every URL in a value loses its password.
@Suite struct RedactBeforeCutTests {
    @Test func everyURLInAValueIsScrubbed() {
        let two = "postgres://app:pw-one-111@db/app redis://:pw-two-222@cache:6379/0"
        let scrubbed = Redactor.scrubURLCredentials(two)
        #expect(!scrubbed.contains("pw-one-111") && !scrubbed.contains("pw-two-222"), "\(scrubbed)")
        #expect(scrubbed == "postgres://app:\(Secret.mask)@db/app redis://:pw-two-222@cache:6379/0".replacingOccurrences(of: ":pw-two-222@", with: ":\(Secret.mask)@"))

        let three = "BROKERS=redis://a:pw1-aaaa@h1:6379,redis://b:pw2-bbbb@h2:6379,redis://c:pw3-cccc@h3:6379/0"
        for text in [Redactor.scrubURLCredentials(three), Redactor.scrub(three), Redactor.scrub(["--brokers", three]).joined(separator: " ")] {
            for pw in ["pw1-aaaa", "pw2-bbbb", "pw3-cccc"] { #expect(!text.contains(pw), "\(text)") }
            #expect(text.contains("h1:6379") && text.contains("h3:6379/0"))
        }
        #expect(Redactor.scrubURLCredentials("see https://example.com/x and ftp://u:pp@h") == "see https://example.com/x and ftp://u:\(Secret.mask)@h")
    }

    /// A 300-character cut through the password of a URL: cut first, `postgres://app:hunt` has no `@` and kept its
    /// head; scrubbed first, nothing of the password remains.
    @Test func aPasswordStraddlingTheCutIsMasked() {
        let password = "hunter2-very-long-password-value"
        for filler in 250...299 {
            let line = "ERROR " + String(repeating: "x", count: filler) + " postgres://app:\(password)@db:5432/app failed"
            let sample = Redactor.excerpt(line, limit: 300)
            #expect(!sample.contains("hunter2"), "cut at \(filler): \(sample.suffix(60))")
            #expect(sample.count <= 300)
        }
        // Through the journal analyzer, which keeps samples of error lines.
        let line = "ERROR " + String(repeating: "y", count: 270) + " password=\(password) and more"
        let facts = JournalAnalyzer.unitLogs([.init(message: line, priority: 3, unit: "a.service")], units: ["a.service"])
        #expect(facts[0].samples.count == 1)
        #expect(!facts[0].samples[0].contains("hunter2"), "\(facts[0].samples[0].suffix(60))")
    }

    @Test func aHugeLineIsBoundedAndNoTokenIsSplitAtTheBound() {
        let line = String(repeating: "a ", count: 40_000) + "token=secretsecretsecret"
        let sample = Redactor.excerpt(line, limit: 300)
        #expect(sample.count == 300)
        #expect(!Redactor.excerpt(String(repeating: "b", count: 70_000) + " password=abcdefgh", limit: 100_000).contains("abcdefgh"))
    }
}
