import Foundation
import Glibc
import StewardSystem
import Synchronization

/// The state database as the alert engine reads it every second (the operations that silence alerts, the deploys an
/// alert may follow): opened read-only once and kept, instead of opened and closed on every read. A read-only
/// connection holds no lock between reads, so the CLI's writers and checkpoints never wait for it.
///
/// It follows the file: a database that appears after the daemon started is opened then; one that was removed is
/// "none" again; one replaced by another file (another inode, as a restored `/var/lib/steward`) is opened anew; and
/// a read that fails drops the connection, so the next read starts from a fresh one.
final class StateDatabaseReader: Sendable {
    let path: String
    private let opened = Mutex<Opened?>(nil)

    struct Opened: Sendable {
        var store: StateStore
        var device: UInt64
        var inode: UInt64
    }

    init(path: String) {
        self.path = path
    }

    /// `body`'s answer on the open database; nil when there is none.
    func read<T>(_ body: (StateStore) throws -> T) throws -> T? {
        var st = stat()
        guard stat(path, &st) == 0 else {
            opened.withLock { $0 = nil }
            return nil
        }
        let device = UInt64(st.st_dev), inode = UInt64(st.st_ino)
        let store = try opened.withLock { (current: inout Opened?) throws -> StateStore? in
            if let current, current.device == device, current.inode == inode { return current.store }
            current = nil
            guard let fresh = try StateStore.openReadOnly(path: path) else { return nil }
            current = Opened(store: fresh, device: device, inode: inode)
            return fresh
        }
        guard let store else { return nil }
        do {
            return try body(store)
        } catch {
            opened.withLock { if $0?.store === store { $0 = nil } }
            throw error
        }
    }

    /// Whether a connection is open now (tests: it is kept between reads and dropped when the file goes).
    var isOpen: Bool { opened.withLock { $0 != nil } }
}
