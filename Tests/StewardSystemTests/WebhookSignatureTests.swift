import Foundation
import StewardCore
import Testing
@testable import StewardSystem

/// The webhook signature (design §6.3): its value against a vector computed outside Swift, and the receiver's check.
@Suite struct WebhookSignatureTests {
    static let secret = Secret("whsec_test")
    static let body = Array(#"{"event":"firing"}"#.utf8)
    /// A fraction of a second past the signed second: the header carries whole seconds, rounded down.
    static let time = Date(timeIntervalSince1970: 1_800_000_000.75)
    static let signed = Date(timeIntervalSince1970: 1_800_000_000)
    /// python3 -c 'import hmac,hashlib;print(hmac.new(b"whsec_test", b"1800000000." + b"{\"event\":\"firing\"}", hashlib.sha256).hexdigest())'
    static let expected = "t=1800000000,v1=d04e0988eb05f1bd8b0682f499d714c63ba6c492828dd8189cd9bc68fd0b9ac1"

    @Test func matchesAnIndependentlyComputedVector() {
        #expect(WebhookSignature.header(body: Self.body, secret: Self.secret, at: Self.time) == Self.expected)
    }

    @Test func verifiesWithinTheToleranceEitherWay() {
        for offset in [0.0, 300, -300] {
            #expect(WebhookSignature.verify(Self.expected, body: Self.body, secret: Self.secret, now: Self.signed + offset))
        }
    }

    @Test func refusesOldAndFutureTimestamps() {
        #expect(!WebhookSignature.verify(Self.expected, body: Self.body, secret: Self.secret, now: Self.signed + 301))
        #expect(!WebhookSignature.verify(Self.expected, body: Self.body, secret: Self.secret, now: Self.signed - 301))
        #expect(WebhookSignature.verify(Self.expected, body: Self.body, secret: Self.secret, now: Self.signed + 3000, tolerance: 3600))
    }

    @Test func refusesATamperedBodyTimestampOrSecret() {
        let now = Self.signed
        #expect(!WebhookSignature.verify(Self.expected, body: Array(#"{"event":"resolved"}"#.utf8), secret: Self.secret, now: now))
        let moved = Self.expected.replacingOccurrences(of: "t=1800000000", with: "t=1800000001")
        #expect(!WebhookSignature.verify(moved, body: Self.body, secret: Self.secret, now: now))
        #expect(!WebhookSignature.verify(Self.expected, body: Self.body, secret: Secret("whsec_other"), now: now))
    }

    @Test func acceptsAnyMatchingCodeAndRefusesMalformedHeaders() {
        let rotated = "t=1800000000,v1=" + String(repeating: "0", count: 64) + "," + Self.expected.split(separator: ",")[1]
        #expect(WebhookSignature.verify(rotated, body: Self.body, secret: Self.secret, now: Self.signed))
        for header in ["", "t=1800000000", "v1=" + String(Self.expected.split(separator: "=").last!),
                       "t=1800000000,v1=+" + String(Self.expected.suffix(63)), "t=x,v1=00",
                       Self.expected + ",x=" + String(repeating: "a", count: 1024)] {
            #expect(!WebhookSignature.verify(header, body: Self.body, secret: Self.secret, now: Self.signed), "\(header.prefix(40))")
        }
    }
}
