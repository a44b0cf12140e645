/// The messages of OpenSSH's connection-multiplexing protocol (OpenSSH's PROTOCOL.mux, protocol version 4) that the
/// fleet speaks to a master connection's control socket to open one session: the bytes `ssh -T HOST CMD` itself would
/// send when it rides a master. Why not run `ssh`: a start of the ssh client costs ~7 ms (its configuration and
/// OpenSSL), a third of a fleet host's overhead over a local run; the master stays OpenSSH's, authenticated and
/// host-key-checked by `ssh`. Pure: built and read here, sent by `SSHMuxSession`.
///
/// Every message is a big-endian `uint32` length and that many bytes: a `uint32` type, then its fields (`uint32`s and
/// strings, a string being a `uint32` length and its bytes).
public enum SSHMuxMessage {
    public static let protocolVersion: UInt32 = 4

    public static let hello: UInt32 = 0x0000_0001
    public static let newSession: UInt32 = 0x1000_0002
    public static let sessionOpened: UInt32 = 0x8000_0006
    public static let permissionDenied: UInt32 = 0x8000_0002
    public static let failure: UInt32 = 0x8000_0003
    public static let exitMessage: UInt32 = 0x8000_0004
    public static let ttyAllocationFailed: UInt32 = 0x8000_0008

    /// No escape character (ssh's `EscapeChar none`, as `-T` without a terminal has).
    static let noEscapeCharacter: UInt32 = 0xFFFF_FFFE

    /// `MUX_MSG_HELLO`: the client's protocol version, no extensions.
    public static func clientHello() -> [UInt8] {
        framed(u32(hello) + u32(protocolVersion))
    }

    /// `MUX_C_NEW_SESSION`: a session without a terminal, X11 or agent forwarding, not a subsystem, running `command`
    /// (the words the remote user's shell runs, as `ssh` joins them), with no environment. After it the client passes
    /// its standard input, output and error descriptors, each with one byte of data.
    public static func newSession(requestID: UInt32, command: String) -> [UInt8] {
        framed(u32(newSession) + u32(requestID) + string("") + u32(0) + u32(0) + u32(0) + u32(0) + u32(noEscapeCharacter)
               + string("") + string(command))
    }

    /// A master's answer, read from a message's body (the bytes after its length).
    public enum Reply: Equatable, Sendable {
        case hello(version: UInt32)
        case sessionOpened(requestID: UInt32, sessionID: UInt32)
        /// Refused: permission denied or another failure, with the master's reason.
        case refused(String)
        case exited(sessionID: UInt32, status: UInt32)
        case ttyAllocationFailed
        case other(UInt32)
    }

    public static func reply(_ body: [UInt8]) -> Reply? {
        guard let type = u32(body, at: 0) else { return nil }
        switch type {
        case hello:
            return u32(body, at: 4).map { .hello(version: $0) }
        case sessionOpened:
            guard let request = u32(body, at: 4), let session = u32(body, at: 8) else { return nil }
            return .sessionOpened(requestID: request, sessionID: session)
        case permissionDenied, failure:
            // uint32 request id, string reason.
            guard let length = u32(body, at: 8), body.count >= 12 + Int(length) else { return .refused("") }
            return .refused(String(decoding: body[12..<(12 + Int(length))], as: UTF8.self))
        case exitMessage:
            guard let session = u32(body, at: 4), let status = u32(body, at: 8) else { return nil }
            return .exited(sessionID: session, status: status)
        case ttyAllocationFailed:
            return .ttyAllocationFailed
        default:
            return .other(type)
        }
    }

    /// The length of the message whose first four bytes are `header`.
    public static func length(header: [UInt8]) -> Int? {
        u32(header, at: 0).map(Int.init)
    }

    static func framed(_ body: [UInt8]) -> [UInt8] { u32(UInt32(body.count)) + body }

    static func u32(_ value: UInt32) -> [UInt8] {
        [UInt8(value >> 24), UInt8((value >> 16) & 0xFF), UInt8((value >> 8) & 0xFF), UInt8(value & 0xFF)]
    }

    static func string(_ text: String) -> [UInt8] {
        let bytes = Array(text.utf8)
        return u32(UInt32(bytes.count)) + bytes
    }

    static func u32(_ bytes: [UInt8], at offset: Int) -> UInt32? {
        guard offset >= 0, bytes.count >= offset + 4 else { return nil }
        return bytes[offset..<(offset + 4)].reduce(0) { $0 << 8 | UInt32($1) }
    }
}
