import Crypto
import Foundation
import StewardCore

/// The `X-Steward-Signature` header of a webhook delivery: `t=UNIX,v1=HEX`, where HEX is the HMAC-SHA256 of
/// `"\(t)."` followed by the body, keyed with the channel's secret. The receiver proves the body came from this
/// host and is not a replay: the timestamp is signed with it, and old timestamps are refused.
public enum WebhookSignature {
    /// Headers longer than this are refused before parsing: a receiver reads it from the outside.
    static let maxHeaderLength = 1024

    public static func header(body: [UInt8], secret: Secret, at time: Date) -> String {
        let timestamp = Int64(time.timeIntervalSince1970.rounded(.down))
        let code = HMAC<SHA256>.authenticationCode(for: signed(timestamp, body), using: key(secret))
        return "t=\(timestamp),v1=" + code.map { String(format: "%02x", $0) }.joined()
    }

    /// Whether `header` signs `body` with `secret`, at a time within `tolerance` seconds of `now` (either way: a
    /// clock ahead is as suspect as a replay). Any of several `v1=` values may match (a secret being rotated);
    /// the comparison is constant-time.
    public static func verify(_ header: String, body: [UInt8], secret: Secret, now: Date,
                              tolerance: TimeInterval = 300) -> Bool {
        guard header.utf8.count <= maxHeaderLength else { return false }
        var timestamp: Int64?
        var codes: [[UInt8]] = []
        for part in header.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return false }
            switch pair[0] {
            case "t": timestamp = Int64(pair[1])
            case "v1": if let code = bytes(hex: pair[1]) { codes.append(code) }
            default: continue
            }
        }
        guard let timestamp, abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance else { return false }
        let data = signed(timestamp, body)
        return codes.contains { HMAC<SHA256>.isValidAuthenticationCode($0, authenticating: data, using: key(secret)) }
    }

    private static func signed(_ timestamp: Int64, _ body: [UInt8]) -> [UInt8] { Array("\(timestamp).".utf8) + body }

    private static func key(_ secret: Secret) -> SymmetricKey { SymmetricKey(data: Array(secret.revealedForAnalysis.utf8)) }

    /// A SHA-256 code's 64 hex digits as bytes; nil for anything else.
    private static func bytes(hex: Substring) -> [UInt8]? {
        let digits = Array(hex.utf8)
        guard digits.count == 64, hex.allSatisfy({ $0.isASCII && $0.isHexDigit }) else { return nil }
        var result: [UInt8] = []
        for index in stride(from: 0, to: 64, by: 2) {
            guard let byte = UInt8(String(decoding: digits[index...index + 1], as: UTF8.self), radix: 16) else { return nil }
            result.append(byte)
        }
        return result
    }
}
