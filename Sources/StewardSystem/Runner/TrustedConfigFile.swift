import Foundation
import StewardCore
#if canImport(Glibc)
import Glibc
#endif

/// Reads a manifest or checks file the way root may: one `open`, then `fstat` of that descriptor and the
/// ownership and mode policy of ``ConfigFileTrust``, then a bounded read of the same descriptor. Checking a path
/// and then reading it again would let its owner swap the file in between.
public enum TrustedConfigFile {
    public enum Failure: Error, Equatable, CustomStringConvertible {
        /// The file is not there (discovery moves on to the next candidate).
        case missing(String)
        /// The file is there but must not or cannot be used; the text names the path and the fix.
        case refused(String)

        public var description: String {
            switch self {
            case .missing(let p): "\(p): no such file"
            case .refused(let why): why
            }
        }
    }

    /// The file's text, or why it cannot be used.
    public static func read(_ path: String, runnerUID: UInt32 = geteuid()) -> Result<String, Failure> {
        // O_NONBLOCK: opening a FIFO planted under the name must not hang; it is then refused as not regular.
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let err = errno
            if err == ENOENT || err == ENOTDIR { return .failure(.missing(path)) }
            return .failure(.refused("\(path): cannot open: \(String(cString: strerror(err)))"))
        }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { return .failure(.refused("\(path): cannot stat: \(String(cString: strerror(errno)))")) }
        let info = ConfigFileTrust.Stat(ownerUID: st.st_uid, ownerName: userName(st.st_uid), mode: Int(st.st_mode & 0o7777),
                                        isRegular: (st.st_mode & S_IFMT) == S_IFREG, size: Int64(st.st_size))
        if let why = ConfigFileTrust.refusal(path: path, stat: info, runnerUID: runnerUID) { return .failure(.refused(why)) }
        var data = Data()
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                return .failure(.refused("\(path): cannot read: \(String(cString: strerror(errno)))"))
            }
            if n == 0 { break }
            data.append(contentsOf: buffer[0..<n])
            // The size was checked, but a file can grow while it is read.
            if Int64(data.count) > ConfigFileTrust.maxBytes {
                return .failure(.refused("\(path): more than the \(ConfigFileTrust.maxBytes) bytes a manifest may have"))
            }
        }
        guard let text = String(data: data, encoding: .utf8) else { return .failure(.refused("\(path): not UTF-8 text")) }
        return .success(text)
    }

    static func userName(_ uid: uid_t) -> String? { Account.name(of: uid) }
}
