import Foundation
import StewardTestSupport
import Testing
@testable import StewardCore
@testable import StewardSystem

/// Root removing and resolving paths in trees an app user can change: real temp trees, real symbolic links, and a
/// thread that swaps a directory for a link while the removal runs.
@Suite struct SafeRemoveTests {
    /// `count` files named `f0000`… in `directory`.
    func fill(_ tree: TempTree, _ directory: String, count: Int, text: String) throws {
        try tree.mkdir(directory)
        for i in 0..<count {
            #expect(FileManager.default.createFile(atPath: tree.root + directory + "/" + String(format: "f%04d", i), contents: Data(text.utf8)))
        }
    }

    func exists(_ path: String) -> Bool {
        var st = stat()
        return lstat(path, &st) == 0
    }

    @Test func aTreeIsRemovedAndALinkInItIsUnlinkedNotFollowed() async throws {
        try await onOwnThread {
            let tree = try TempTree()
            try tree.write("/outside/canary", "keep me")
            try tree.write("/victim/a/b/file", "x")
            try tree.write("/victim/top", "y")
            try tree.symlink("/victim/a/link", to: tree.root + "/outside")
            try tree.symlink("/victim/filelink", to: tree.root + "/outside/canary")
            try SafeRemove.remove(tree.root + "/victim")
            #expect(!exists(tree.root + "/victim"))
            #expect(try String(contentsOfFile: tree.root + "/outside/canary", encoding: .utf8) == "keep me")
            // A link as the thing removed is unlinked, not followed; a missing path is nothing to do.
            try tree.symlink("/dirlink", to: tree.root + "/outside")
            try SafeRemove.remove(tree.root + "/dirlink")
            #expect(!exists(tree.root + "/dirlink") && exists(tree.root + "/outside/canary"))
            try SafeRemove.remove(tree.root + "/missing")
        }
    }

    /// The attack `FileManager.removeItem` falls to: once the remover is inside `victim/sub`, the app user renames
    /// `sub` away and puts a link to a directory outside in its place, whose files have the same names. A remover
    /// that resolves `victim/sub/f0123` again deletes the outside file (`FileManager.removeItem` lost 998-999 of the
    /// 1000 in each round when tried); this one works on the directory it opened.
    @Test func aDirectorySwappedForALinkMidWalkLeavesTheOutsideCanariesAlone() async throws {
        try await onOwnThread {
            let count = 1000
            var swaps = 0
            for round in 0..<2 {
                let tree = try TempTree()
                try fill(tree, "/outside", count: count, text: "canary")
                try fill(tree, "/victim/sub", count: count, text: "doomed")
                let sub = tree.root + "/victim/sub", outside = tree.root + "/outside"
                let swapped = OnThread {
                    // Wait until the remover has started inside `sub`, then swap it for a link to `outside`.
                    let deadline = Date().addingTimeInterval(10)
                    while Date() < deadline {
                        // Gone already: the remover was faster than this thread (no busy wait until the deadline).
                        guard let names = try? FileManager.default.contentsOfDirectory(atPath: sub) else { return false }
                        if names.count < count { return rename(sub, sub + "-moved") == 0 && symlink(outside, sub) == 0 }
                    }
                    return false
                }
                try? SafeRemove.remove(tree.root + "/victim")
                let didSwap = swapped.wait()
                let left = try FileManager.default.contentsOfDirectory(atPath: outside)
                #expect(left.count == count, "round \(round): \(count - left.count) outside files were deleted (swapped: \(didSwap))")
                swaps += didSwap ? 1 : 0
                #expect(try String(contentsOfFile: outside + "/f\(String(format: "%04d", count - 1))", encoding: .utf8) == "canary")
            }
            #expect(swaps > 0, "the swap never landed during a removal: nothing was tested")
        }
    }

    /// The same race, hammered: a thread that swaps `sub` for a link and back in a loop while the remover runs.
    @Test func aSwapLoopDuringRemovalNeverReachesOutside() async throws {
        try await onOwnThread {
            let tree = try TempTree()
            try fill(tree, "/outside", count: 500, text: "canary")
            try fill(tree, "/victim/sub", count: 500, text: "doomed")
            for d in 0..<20 { try fill(tree, "/victim/sub/d\(d)", count: 50, text: "doomed") }
            let sub = tree.root + "/victim/sub", outside = tree.root + "/outside"
            let stop = ManagedAtomicFlag()
            let swapper = OnThread {
                var swaps = 0
                while !stop.isSet {
                    if rename(sub, sub + "-aside") == 0 {
                        _ = symlink(outside, sub)
                        unlink(sub)
                        _ = rename(sub + "-aside", sub)
                        swaps += 1
                    }
                }
                return swaps
            }
            for _ in 0..<5 { try? SafeRemove.remove(tree.root + "/victim/sub") }
            stop.set()
            let swaps = swapper.wait()
            #expect(swaps > 0)
            #expect(try FileManager.default.contentsOfDirectory(atPath: outside).count == 500)
        }
    }

    @Test func aLinkAnotherUserOwnsOnThePathIsRefusedAndRootsOwnIsFollowed() async throws {
        try await onOwnThread {
            let tree = try TempTree()
            try tree.write("/outside/releases/v1/canary", "keep me")
            try tree.mkdir("/app", mode: 0o755)
            chown(tree.root + "/app", 65534, 65534)
            // The app user replaced its `releases` by a link to somewhere else.
            try tree.symlink("/app/releases", to: tree.root + "/outside/releases")
            lchown(tree.root + "/app/releases", 65534, 65534)
            #expect(throws: StoreError.self) { try SafeRemove.remove(tree.root + "/app/releases/v1") }
            #expect(exists(tree.root + "/outside/releases/v1/canary"))
            do {
                _ = try SafePath.openDirectory(tree.root + "/app/releases")
                Issue.record("an app user's link was followed")
            } catch let e as StoreError {
                #expect(e.description.contains("/app/releases is a symbolic link that user nobody can change") || e.description.contains("uid 65534"), "\(e)")
            }
            // A link root made in a directory only root writes is followed.
            try tree.symlink("/rootlink", to: tree.root + "/outside/releases")
            let dir = try SafePath.openDirectory(tree.root + "/rootlink/v1")
            #expect(dir.path == tree.root + "/outside/releases/v1")
            // Unless the caller trusts that user (its own tree).
            #expect(try SafePath.openDirectory(tree.root + "/app/releases", trusting: 65534).path == tree.root + "/outside/releases")
        }
    }

    @Test func removalDoesNotCrossAMountPoint() async throws {
        try await onOwnThread {
            guard geteuid() == 0 else { return }
            let tree = try TempTree()
            try tree.write("/victim/mnt/.keep", "")
            guard try tree.sh(["mount", "-t", "tmpfs", "tmpfs", tree.root + "/victim/mnt"]) == 0 else { return }
            defer { _ = try? tree.sh(["umount", tree.root + "/victim/mnt"]) }
            try "data".write(toFile: tree.root + "/victim/mnt/inside", atomically: false, encoding: .utf8)
            #expect(throws: StoreError.self) { try SafeRemove.remove(tree.root + "/victim") }
            #expect(exists(tree.root + "/victim/mnt/inside"))
        }
    }
}

/// `body` on its own thread (not the cooperative pool, which tests running in parallel may keep busy).
final class OnThread<T: Sendable>: @unchecked Sendable {
    private let done = DispatchSemaphore(value: 0)
    private var result: T?
    init(_ body: @escaping @Sendable () -> T) {
        Thread.detachNewThread {
            self.result = body()
            self.done.signal()
        }
    }
    func wait() -> T {
        done.wait()
        return result!
    }
}

/// A flag set by one task and read by another.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.withLock { value } }
    func set() { lock.withLock { value = true } }
}
