import Foundation
import Testing
@testable import StewardCore
#if canImport(Glibc)
import Glibc
#endif

/// The SSRF guard's address classes at every range boundary (first and last address inside, the neighbours
/// outside), the IPv6 forms that embed an IPv4 address, and the decision with `allow_private`.
@Suite struct AddressPolicyTests {
    /// Text to bytes through the C library's `inet_pton`, independent of the code under test.
    static func ip(_ text: String) -> RawIPAddress {
        if text.contains(":") {
            var address = in6_addr()
            precondition(inet_pton(AF_INET6, text, &address) == 1, text)
            return RawIPAddress(withUnsafeBytes(of: &address) { Array($0) })!
        }
        var address = in_addr()
        precondition(inet_pton(AF_INET, text, &address) == 1, text)
        return RawIPAddress(withUnsafeBytes(of: &address) { Array($0) })!
    }

    static let ipv4: [(String, AddressClass)] = [
        ("0.0.0.0", .unspecified), ("0.255.255.255", .unspecified), ("1.0.0.0", .public),
        ("9.255.255.255", .public), ("10.0.0.0", .private), ("10.255.255.255", .private), ("11.0.0.0", .public),
        ("100.63.255.255", .public), ("100.64.0.0", .cgnat), ("100.127.255.255", .cgnat), ("100.128.0.0", .public),
        ("100.100.100.199", .cgnat), ("100.100.100.200", .metadata), ("100.100.100.201", .cgnat),
        ("126.255.255.255", .public), ("127.0.0.0", .loopback), ("127.255.255.255", .loopback), ("128.0.0.0", .public),
        ("169.253.255.255", .public), ("169.254.0.0", .linkLocal), ("169.254.255.255", .linkLocal), ("169.255.0.0", .public),
        ("169.254.169.253", .linkLocal), ("169.254.169.254", .metadata), ("169.254.169.255", .linkLocal),
        ("172.15.255.255", .public), ("172.16.0.0", .private), ("172.31.255.255", .private), ("172.32.0.0", .public),
        ("191.255.255.255", .public), ("192.0.0.0", .reserved), ("192.0.0.255", .reserved), ("192.0.1.0", .public),
        ("192.0.2.0", .reserved), ("192.0.2.255", .reserved), ("192.0.3.0", .public),
        ("192.167.255.255", .public), ("192.168.0.0", .private), ("192.168.255.255", .private), ("192.169.0.0", .public),
        ("198.17.255.255", .public), ("198.18.0.0", .reserved), ("198.19.255.255", .reserved), ("198.20.0.0", .public),
        ("198.51.99.255", .public), ("198.51.100.0", .reserved), ("198.51.100.255", .reserved), ("198.51.101.0", .public),
        ("203.0.112.255", .public), ("203.0.113.0", .reserved), ("203.0.113.255", .reserved), ("203.0.114.0", .public),
        ("223.255.255.255", .public), ("224.0.0.0", .multicast), ("239.255.255.255", .multicast),
        ("240.0.0.0", .reserved), ("255.255.255.255", .reserved), ("8.8.8.8", .public),
    ]

    static let ipv6: [(String, AddressClass)] = [
        ("::", .unspecified), ("::1", .loopback), ("::2", .reserved),
        ("1fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), ("2000::", .public),
        ("2001::", .reserved), ("2001:1ff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), ("2001:200::", .public),
        ("2001:db7:ffff:ffff:ffff:ffff:ffff:ffff", .public), ("2001:db8::", .reserved),
        ("2001:db8:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), ("2001:db9::", .public),
        ("2606:4700::1111", .public),
        ("3ffe:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .public), ("3fff::", .reserved),
        ("3fff:fff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), ("3fff:1000::", .public),
        ("3fff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .public), ("4000::", .reserved),
        ("fbff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), ("fc00::", .private),
        ("fdff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .private), ("fe00::", .reserved),
        ("fd00:ec2::253", .private), ("fd00:ec2::254", .metadata), ("fd00:ec2::255", .private),
        ("fe7f:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), ("fe80::", .linkLocal),
        ("febf:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .linkLocal), ("fec0::", .reserved),
        ("feff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .reserved), ("ff00::", .multicast),
        ("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .multicast),
    ]

    /// Mapped, NAT64 and 6to4 addresses take the class of the IPv4 address inside; their neighbours do not.
    static let embedded: [(String, AddressClass)] = [
        ("::ffff:8.8.8.8", .public), ("::ffff:127.0.0.1", .loopback), ("::ffff:10.0.0.5", .private),
        ("::ffff:169.254.169.254", .metadata), ("::ffff:100.100.100.200", .metadata), ("::ffff:0.0.0.0", .unspecified),
        ("::fffe:808:808", .reserved), ("::1:0:0:0", .reserved),
        ("64:ff9b::808:808", .public), ("64:ff9b::a00:5", .private), ("64:ff9b::a9fe:a9fe", .metadata),
        ("64:ff9b::7f00:1", .loopback), ("64:ff9b::1:0:0", .reserved), ("64:ff9a:ffff:ffff:ffff:ffff:ffff:ffff", .reserved),
        ("2002:808:808::", .public), ("2002:7f00:1::", .loopback), ("2002:a9fe:a9fe::", .metadata),
        ("2002:c0a8:101::1", .private), ("2001:ffff:ffff:ffff:ffff:ffff:ffff:ffff", .public), ("2003::", .public),
    ]

    @Test(arguments: ipv4 + ipv6 + embedded)
    func classifiesEveryRangeBoundary(_ text: String, _ expected: AddressClass) {
        #expect(AddressPolicy.classify(Self.ip(text)) == expected, "\(text)")
    }

    @Test func publicAddressesAreAllowedAndTheFirstIsTheOneToConnectTo() {
        let decision = AddressPolicy.decide(host: "hooks.example.com", addresses: [Self.ip("93.184.215.14"), Self.ip("2606:2800:21f:cb07::1")],
                                            allowPrivate: [])
        #expect(decision == .allowed(Self.ip("93.184.215.14")) && decision.message(host: "hooks.example.com") == nil)
    }

    @Test func anyPrivateAddressRefusesTheHostAndSaysHowToAllowIt() {
        let decision = AddressPolicy.decide(host: "hooks.example.com", addresses: [Self.ip("93.184.215.14"), Self.ip("10.0.0.5")],
                                            allowPrivate: ["other.lan"])
        #expect(decision == .refused(Self.ip("10.0.0.5"), .private))
        #expect(decision.message(host: "hooks.example.com")
            == "refused: hooks.example.com resolves to 10.0.0.5 (private); add it to serve.alerts.allow_private")
        #expect(AddressPolicy.decide(host: "h", addresses: [Self.ip("fe80::1")], allowPrivate: []).message(host: "h")
            == "refused: h resolves to fe80::1 (link-local); add it to serve.alerts.allow_private")
    }

    @Test func aHostAllowedByItsExactNameMayResolveToPrivateAddresses() {
        let addresses = [Self.ip("127.0.0.1"), Self.ip("192.168.1.9")]
        #expect(AddressPolicy.decide(host: "Hooks.LAN", addresses: addresses, allowPrivate: ["hooks.lan"]) == .allowed(Self.ip("127.0.0.1")))
        for lookalike in ["evil-hooks.lan", "hooks.lan.evil.example", "lan"] {
            #expect(AddressPolicy.decide(host: lookalike, addresses: addresses, allowPrivate: ["hooks.lan"])
                == .refused(Self.ip("127.0.0.1"), .loopback), "\(lookalike)")
        }
    }

    @Test func metadataIsRefusedEvenWhenTheHostIsAllowed() {
        let decision = AddressPolicy.decide(host: "hooks.lan", addresses: [Self.ip("10.0.0.5"), Self.ip("::ffff:169.254.169.254")],
                                            allowPrivate: ["hooks.lan"])
        #expect(decision == .refused(Self.ip("::ffff:169.254.169.254"), .metadata))
        #expect(decision.message(host: "hooks.lan")
            == "refused: hooks.lan resolves to ::ffff:169.254.169.254 (metadata); a cloud metadata address is never allowed")
    }

    @Test func aNameWithoutAddressesIsRefused() {
        let decision = AddressPolicy.decide(host: "nowhere.example", addresses: [], allowPrivate: ["nowhere.example"])
        #expect(decision == .unresolved && decision.message(host: "nowhere.example") == "refused: nowhere.example resolves to no address")
    }
}
