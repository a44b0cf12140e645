import Foundation
import StewardCore

/// The addresses a channel's host name resolves to, as raw bytes for ``AddressPolicy``. `getaddrinfo` blocks (it
/// waits on DNS servers that may never answer), so it runs through ``BlockingCall``, never on Swift's cooperative
/// pool: a dead resolver costs a delivery its lookup time, not the daemon its threads.
enum HostResolver {
    static func resolve(_ host: String, port: Int, timeout: Duration = .seconds(3)) async -> Result<[RawIPAddress], ResolveFailure> {
        let answer = await BlockingCall.run(key: "getaddrinfo " + host, timeout: timeout) { lookup(host, port: port) }
        return answer ?? .failure(.init("no answer within \(BlockingCall.seconds(timeout))"))
    }

    /// Stream sockets only (one entry per address, not one per socket type); `AI_ADDRCONFIG` leaves out IPv6
    /// addresses on a host that has no IPv6 route, which it could not connect to.
    private static func lookup(_ host: String, port: Int) -> Result<[RawIPAddress], ResolveFailure> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else { return .failure(.init(String(cString: gai_strerror(status)))) }
        defer { freeaddrinfo(list) }
        var addresses: [RawIPAddress] = []
        var entry = list
        while let info = entry?.pointee {
            entry = info.ai_next
            guard let address = info.ai_addr else { continue }
            let bytes: [UInt8]
            switch info.ai_family {
            case AF_INET:
                bytes = address.withMemoryRebound(to: sockaddr_in.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin_addr) { Array($0) }
                }
            case AF_INET6:
                bytes = address.withMemoryRebound(to: sockaddr_in6.self, capacity: 1) { pointer in
                    withUnsafeBytes(of: pointer.pointee.sin6_addr) { Array($0) }
                }
            default:
                continue
            }
            if let address = RawIPAddress(bytes), !addresses.contains(address) { addresses.append(address) }
        }
        return .success(addresses)
    }

    struct ResolveFailure: Error, Equatable {
        let reason: String
        init(_ reason: String) { self.reason = reason }
    }
}
