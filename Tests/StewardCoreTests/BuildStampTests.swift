import StewardCore
import Testing

/// The stamp `scripts/package` writes into a release binary (`.steward_build`, 256 bytes): parsed back exactly,
/// and anything else — the placeholder of a source build, a truncated or mangled stamp — is "built from source".
@Suite struct BuildStampTests {
    static let commit = "0123456789abcdef0123456789abcdef01234567"

    /// The section as the packager leaves it: the text, then NULs up to 256 bytes.
    static func section(_ text: String) -> [UInt8] {
        Array(text.utf8) + Array(repeating: 0, count: max(0, 256 - text.utf8.count))
    }

    @Test func aPackagedStampParses() throws {
        let bytes = Self.section("steward-build/1\ncommit=\(Self.commit)\ndate=2025-12-02T09:28:00Z\n")
        #expect(bytes.count == 256)
        let stamp = try #require(BuildStamp.parse(bytes))
        #expect(stamp == BuildStamp(commit: Self.commit, date: "2025-12-02T09:28:00Z"))
        #expect(stamp.shortCommit == "0123456789ab")
        #expect(BuildStamp.parse(Self.section(stamp.text)) == stamp)
    }

    @Test func aDirtyTreeUnknownKeysAndKeyOrder() throws {
        let stamp = try #require(BuildStamp.parse(Self.section(
            "steward-build/1\ndate=2025-12-02T09:28:00Z\nbuilder=ci\ncommit=\(Self.commit)-dirty\n")))
        #expect(stamp.commit == "\(Self.commit)-dirty")
        #expect(stamp.shortCommit == "0123456789ab-dirty")
    }

    @Test func whatFollowsTheFirstNULIsIgnored() {
        var bytes = Self.section("steward-build/1\ncommit=\(Self.commit)\ndate=2025-12-02T09:28:00Z\n")
        bytes[250] = UInt8(ascii: "x")
        #expect(BuildStamp.parse(bytes)?.commit == Self.commit)
    }

    @Test func anythingElseIsBuiltFromSource() {
        let date = "date=2025-12-02T09:28:00Z"
        for text in [
            "steward-build/unstamped",                                      // the placeholder in build_stamp.c
            "",
            "steward-build/2\ncommit=\(Self.commit)\n\(date)\n",           // a format this version does not know
            "steward-build/1\n\(date)\n",                                  // no commit
            "steward-build/1\ncommit=\(Self.commit)\n",                    // no date
            "steward-build/1\ncommit=\(Self.commit.uppercased())\n\(date)\n",
            "steward-build/1\ncommit=\(Self.commit.dropLast())\n\(date)\n", // 39 digits
            "steward-build/1\ncommit=\(Self.commit)-clean\n\(date)\n",
            "steward-build/1\ncommit=\(Self.commit)\ndate=2025-12-02 09:28:00\n",
            "steward-build/1\ncommit=\(Self.commit)\ndate=2025-12-02T09:28:00+01:00\n",
            "steward-build/1\ncommit=\(Self.commit)\n\(date)\nno equals sign\n",
            "steward-build/1\ncommit=\(Self.commit)\n\(date)\nnote=caf\u{e9}\n",   // not ASCII
        ] {
            #expect(BuildStamp.parse(Self.section(text)) == nil, "\(text)")
        }
        #expect(BuildStamp.parse([UInt8]()) == nil)
    }
}
