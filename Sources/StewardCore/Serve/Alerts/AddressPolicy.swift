/// The SSRF guard's judgement (design §7 step 3): which addresses a webhook, Slack or ntfy delivery may connect to.
/// The daemon runs as root next to the apps, their databases and the cloud's metadata service; a channel URL must
/// not become a way to reach them.
public enum AddressPolicy {
    /// Most specific first: the metadata hosts sit inside link-local, CGNAT and ULA ranges.
    private static let ipv4: [(prefix: [UInt8], bits: Int, kind: AddressClass)] = [
        ([169, 254, 169, 254], 32, .metadata),  // AWS, GCP, Azure, OCI
        ([100, 100, 100, 200], 32, .metadata),  // Alibaba Cloud
        ([0, 0, 0, 0], 8, .unspecified),
        ([10, 0, 0, 0], 8, .private),
        ([100, 64, 0, 0], 10, .cgnat),
        ([127, 0, 0, 0], 8, .loopback),
        ([169, 254, 0, 0], 16, .linkLocal),
        ([172, 16, 0, 0], 12, .private),
        ([192, 0, 0, 0], 24, .reserved),        // IETF protocol assignments
        ([192, 0, 2, 0], 24, .reserved),        // documentation
        ([192, 168, 0, 0], 16, .private),
        ([198, 18, 0, 0], 15, .reserved),       // benchmarking
        ([198, 51, 100, 0], 24, .reserved),     // documentation
        ([203, 0, 113, 0], 24, .reserved),      // documentation
        ([224, 0, 0, 0], 4, .multicast),
        ([240, 0, 0, 0], 4, .reserved),         // future use, and the broadcast address
    ]

    private static let ipv6: [(prefix: [UInt8], bits: Int, kind: AddressClass)] = [
        ([0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], 128, .metadata),  // AWS fd00:ec2::254
        ([UInt8](repeating: 0, count: 16), 128, .unspecified),
        ([UInt8](repeating: 0, count: 15) + [1], 128, .loopback),
        ([0xfc], 7, .private),                          // unique local
        ([0xfe, 0x80], 10, .linkLocal),
        ([0xff], 8, .multicast),
        ([0x20, 0x01, 0x0d, 0xb8], 32, .reserved),      // documentation
        ([0x3f, 0xff, 0x00], 20, .reserved),            // documentation (RFC 9637)
        ([0x20, 0x01, 0x00, 0x00], 23, .reserved),      // IETF protocol assignments, Teredo among them
        ([0x20], 3, .public),                           // global unicast
        ([], 0, .reserved),                             // everything else: not assigned for unicast
    ]

    /// IPv6 forms that carry an IPv4 address a connection ends up at: mapped (::ffff:0:0/96), NAT64
    /// (64:ff9b::/96) and 6to4 (2002::/16). They are judged by the IPv4 address inside.
    private static let embedded: [(prefix: [UInt8], bits: Int, offset: Int)] = [
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff], 96, 12),
        ([0x00, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0], 96, 12),
        ([0x20, 0x02], 16, 2),
    ]

    public static func classify(_ address: RawIPAddress) -> AddressClass {
        let bytes = address.bytes
        if address.isIPv4 { return ipv4.first { matches(bytes, $0.prefix, $0.bits) }?.kind ?? .public }
        if let form = embedded.first(where: { matches(bytes, $0.prefix, $0.bits) }),
           let inner = RawIPAddress(Array(bytes[form.offset..<(form.offset + 4)])) {
            return classify(inner)
        }
        return ipv6.first { matches(bytes, $0.prefix, $0.bits) }?.kind ?? .reserved
    }

    /// Whether a delivery to `host` may connect, given every address it resolved to. Refused when any address is not
    /// public, unless `host` is in `allowPrivate` (exact, case-insensitive: a name the operator vouched for, not a
    /// pattern an attacker's DNS could match); metadata addresses are refused even then (no webhook lives there,
    /// credentials do). Allowed means connect to the first address and only to it, so a second lookup cannot
    /// rebind the name elsewhere.
    public static func decide(host: String, addresses: [RawIPAddress], allowPrivate: [String]) -> AddressDecision {
        guard let first = addresses.first else { return .unresolved }
        let classes = addresses.map { ($0, classify($0)) }
        if let metadata = classes.first(where: { $0.1 == .metadata }) { return .refused(metadata.0, .metadata) }
        let allowed = allowPrivate.contains { $0.lowercased() == host.lowercased() }
        if !allowed, let other = classes.first(where: { $0.1 != .public }) { return .refused(other.0, other.1) }
        return .allowed(first)
    }

    private static func matches(_ bytes: [UInt8], _ prefix: [UInt8], _ bits: Int) -> Bool {
        for bit in stride(from: 0, to: bits, by: 8) {
            let index = bit / 8
            let mask: UInt8 = bits - bit >= 8 ? 0xff : ~(0xff >> UInt8(bits - bit))
            if bytes[index] & mask != prefix[index] & mask { return false }
        }
        return true
    }
}

/// The SSRF guard's answer for one delivery.
public enum AddressDecision: Sendable, Equatable {
    /// Connect here, and only here.
    case allowed(RawIPAddress)
    case refused(RawIPAddress, AddressClass)
    /// The name resolved to nothing.
    case unresolved

    /// What the delivery log says; nil when allowed. Names the fix when there is one.
    public func message(host: String) -> String? {
        switch self {
        case .allowed:
            return nil
        case .unresolved:
            return "refused: \(host) resolves to no address"
        case .refused(let address, .metadata):
            return "refused: \(host) resolves to \(address) (metadata); a cloud metadata address is never allowed"
        case .refused(let address, let addressClass):
            return "refused: \(host) resolves to \(address) (\(addressClass.rawValue)); add it to serve.alerts.allow_private"
        }
    }
}
