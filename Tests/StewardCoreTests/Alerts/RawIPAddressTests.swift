import Testing
@testable import StewardCore

/// The text form of resolved addresses, as refusals show them and the HTTP client is told to connect to (RFC 5952).
@Suite struct RawIPAddressTests {
    @Test(arguments: [
        ([10, 0, 0, 5], "10.0.0.5"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "::"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "::1"),
        ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], "2001:db8::1"),
        ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 1, 0, 1, 0, 1, 0, 1, 0, 1], "2001:db8:0:1:1:1:1:1"),
        ([0x20, 0x01, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1], "2001:0:0:1::1"),
        ([0x20, 0x01, 0x0d, 0xb8, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1], "2001:db8::1:0:0:1"),
        ([0xfe, 0x80, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], "fe80::"),
        ([0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 10, 0, 0, 5], "::ffff:10.0.0.5"),
        ([0xfd, 0x00, 0x0e, 0xc2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x02, 0x54], "fd00:ec2::254"),
    ] as [([UInt8], String)])
    func formatsAsRFC5952(_ bytes: [UInt8], _ text: String) {
        #expect(RawIPAddress(bytes)?.description == text)
    }

    @Test func onlyFourOrSixteenBytesAreAnAddress() {
        #expect(RawIPAddress([1, 2, 3]) == nil && RawIPAddress([UInt8](repeating: 0, count: 5)) == nil)
        #expect(RawIPAddress([]) == nil && RawIPAddress([UInt8](repeating: 0, count: 17)) == nil)
    }
}
