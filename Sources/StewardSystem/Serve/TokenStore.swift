import Crypto
import Foundation
import StewardCore
import Synchronization
#if canImport(Glibc)
import Glibc
#endif

/// The daemon's view of the token file: read through one descriptor and refused unless it is a regular file owned
/// by the daemon's user with no group or other permission bits (a token file anyone could write would let them
/// mint a token; one anyone could read leaks nothing but names, and is refused all the same so mistakes show).
/// Re-read when the file changes (device, inode, modification time or size), looked at no more than once a second;
/// a file that cannot be used rejects every token (fail closed) and says why.
public final class TokenStore: Sendable {
    public enum Verdict: Sendable, Equatable {
        case granted(name: String, scopes: Set<TokenScope>)
        /// Not a token of this host.
        case denied
        /// No token can be checked now: the file is missing or refused, said in words for the log and
        /// ``problem()``, never for the client (paths, owners and lines of the file are not its business).
        case unavailable(String)
    }

    public let path: String
    private let now: @Sendable () -> ContinuousClock.Instant
    private let state: Mutex<State>

    private struct State {
        var identity: FileIdentity?
        var checkedAt: ContinuousClock.Instant?
        var loaded: Result<[Loaded], Refusal> = .failure(Refusal(text: "not read yet"))
    }

    struct Loaded { var entry: TokenEntry; var digest: [UInt8] }
    struct Refusal: Error {
        var text: String
        /// A failure to open or read (EIO, EMFILE) rather than what the file holds: tried again at the next look,
        /// not kept until the file changes.
        var transient = false
    }
    struct FileIdentity: Equatable { var dev: UInt64; var ino: UInt64; var mtime: Int; var mtimeNs: Int; var size: Int64 }

    public init(path: String, now: @escaping @Sendable () -> ContinuousClock.Instant = { ContinuousClock.now }) {
        self.path = path
        self.now = now
        self.state = Mutex(State())
    }

    /// The token's name and scopes, or why it is refused. Compares the token's SHA-256 with every entry, without
    /// stopping at a match, so the time taken says nothing about which entry (or part of it) matched.
    public func verify(_ presented: String) -> Verdict {
        let entries: [Loaded]
        switch current() {
        case .success(let loaded): entries = loaded
        case .failure(let refusal): return .unavailable(refusal.text)
        }
        guard TokenSecret.isPlausible(presented) else { return .denied }
        return verify(entries, digest: TokenSecret.digest(presented))
    }

    /// The same judgement for a token known by its SHA-256 only: the dashboard keeps that, never the token, and asks
    /// again on each request, so revoking a token ends its sessions (within the file's one-second re-read).
    public func verify(digest: [UInt8]) -> Verdict {
        switch current() {
        case .success(let loaded): return verify(loaded, digest: digest)
        case .failure(let refusal): return .unavailable(refusal.text)
        }
    }

    private func verify(_ entries: [Loaded], digest: [UInt8]) -> Verdict {
        var match: TokenEntry?
        for loaded in entries where TokenSecret.constantTimeEqual(loaded.digest, digest) { match = loaded.entry }
        guard let match else { return .denied }
        return .granted(name: match.name, scopes: match.scopes)
    }

    /// Why the file cannot be used right now, or nil when it can (for the daemon's start-up log).
    public func problem() -> String? {
        if case .failure(let refusal) = current() { return refusal.text }
        return nil
    }

    /// The entries, re-read when the file changed since the last look (at most one `stat` a second).
    private func current() -> Result<[Loaded], Refusal> {
        let instant = now()
        return state.withLock { state in
            if let checked = state.checkedAt, instant - checked < .seconds(1) { return state.loaded }
            state.checkedAt = instant
            var st = stat()
            guard stat(path, &st) == 0 else {
                state.identity = nil
                state.loaded = .failure(Refusal(text: errno == ENOENT
                    ? "\(path) does not exist; make a token with: steward serve token add NAME --scope read"
                    : "\(path): \(String(cString: strerror(errno)))"))
                return state.loaded
            }
            let identity = FileIdentity(dev: UInt64(st.st_dev), ino: UInt64(st.st_ino), mtime: st.st_mtim.tv_sec,
                                        mtimeNs: st.st_mtim.tv_nsec, size: Int64(st.st_size))
            if identity == state.identity { return state.loaded }
            state.loaded = Self.load(path).map { entries in
                entries.map { Loaded(entry: $0, digest: TokenSecret.bytes(hex: $0.sha256)) }
            }
            if case .failure(let refusal) = state.loaded, refusal.transient { state.identity = nil } else { state.identity = identity }
            return state.loaded
        }
    }

    /// The file's entries, read the way root may read a file that decides who gets in (see the type's comment).
    static func load(_ path: String, ownerUID: uid_t = geteuid()) -> Result<[TokenEntry], Refusal> {
        switch TokenFileIO.read(path, ownerUID: ownerUID) {
        case .failure(let refusal): return .failure(refusal)
        case .success(nil): return .success([])
        case .success(let text?):
            return TokenFile.parse(text).mapError { Refusal(text: "\(path): \($0)") }
        }
    }
}
