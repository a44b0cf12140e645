/// Just enough of IP address syntax to validate `bind:` in the manifest.
enum IPAddress {
    /// Whether `text` is an IPv4 address (`127.0.0.1`) or an IPv6 address (`::1`, `[::1]`, `fe80::1`).
    static func isValid(_ text: String) -> Bool {
        isIPv4(text) || isIPv6(normalized(text))
    }

    /// The address without IPv6 brackets, lowercased.
    static func normalized(_ text: String) -> String {
        var address = text.lowercased()
        if address.hasPrefix("["), address.hasSuffix("]") { address = String(address.dropFirst().dropLast()) }
        return address
    }

    static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        return parts.count == 4 && parts.allSatisfy { part in
            (1...3).contains(part.count) && part.allSatisfy { $0.isASCII && $0.isNumber } && Int(part)! <= 255
                && !(part.count > 1 && part.first == "0")
        }
    }

    static func isIPv6(_ text: String) -> Bool {
        guard text.contains(":"), text.count <= 45 else { return false }
        let halves = text.split(separator: "::", omittingEmptySubsequences: false)
        guard halves.count <= 2 else { return false }
        var groups = halves.flatMap { $0.isEmpty ? [] : $0.split(separator: ":", omittingEmptySubsequences: false) }
        var budget = 8
        if let last = groups.last, last.contains(".") {
            guard isIPv4(String(last)) else { return false }
            groups.removeLast()
            budget = 6
        }
        guard groups.allSatisfy({ (1...4).contains($0.count) && $0.allSatisfy(\.isHexDigit) }) else { return false }
        return halves.count == 2 ? groups.count < budget : groups.count == budget
    }
}
