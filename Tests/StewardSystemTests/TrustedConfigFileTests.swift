import Foundation
import Testing
@testable import StewardSystem

/// The manifest reader checks the descriptor it then reads: ownership, mode, kind and size, on real files.
@Suite struct TrustedConfigFileTests {
    @Test func rootOwnedFileIsRead() throws {
        let tree = try TempTree()
        let path = try tree.write("/steward.yml", "apps: {}\n")
        #expect(try TrustedConfigFile.read(path, runnerUID: 0).get() == "apps: {}\n")
    }

    @Test func fileOwnedByAnotherUserIsRefusedToRootOnly() throws {
        let tree = try TempTree()
        let path = try tree.write("/steward.yml", "apps: {}\n")
        try #require(chown(path, 65534, 65534) == 0)
        guard case .failure(.refused(let why)) = TrustedConfigFile.read(path, runnerUID: 0) else {
            Issue.record("a file owned by uid 65534 was read as root"); return
        }
        #expect(why.contains("not root"))
        // An unprivileged Steward may read it: it can do no more than its user.
        #expect((try? TrustedConfigFile.read(path, runnerUID: 65534).get()) == "apps: {}\n")
    }

    @Test func groupWritableIsRefused() throws {
        let tree = try TempTree()
        let path = try tree.write("/steward.yml", "apps: {}\n", mode: 0o664)
        guard case .failure(.refused(let why)) = TrustedConfigFile.read(path, runnerUID: 0) else {
            Issue.record("a group-writable file was read"); return
        }
        #expect(why.contains("writable by its group"))
    }

    @Test func devicesAndFIFOsAreRefusedWithoutHanging() throws {
        let tree = try TempTree()
        try FileManager.default.createSymbolicLink(atPath: tree.root + "/zero.yml", withDestinationPath: "/dev/zero")
        try #require(mkfifo(tree.root + "/fifo.yml", 0o644) == 0)
        for name in ["/zero.yml", "/fifo.yml"] {
            guard case .failure(.refused(let why)) = TrustedConfigFile.read(tree.root + name, runnerUID: 0) else {
                Issue.record("\(name) was read"); continue
            }
            #expect(why.contains("not a regular file"))
        }
    }

    @Test func oversizedFileIsRefused() throws {
        let tree = try TempTree()
        let path = try tree.write("/big.yml", String(repeating: "# padding\n", count: 500_000))
        guard case .failure(.refused(let why)) = TrustedConfigFile.read(path, runnerUID: 0) else {
            Issue.record("a 5 MB manifest was read"); return
        }
        #expect(why.contains("more than"))
    }

    @Test func missingIsMissing() {
        #expect(TrustedConfigFile.read("/nonexistent/steward.yml", runnerUID: 0) == .failure(.missing("/nonexistent/steward.yml")))
    }
}
