/// A URL's credentials taken out of it (`https://user:token@host/repo.git` → `https://host/repo.git`, `user`,
/// `token`): argv is readable by every user in `ps` and `/proc/*/cmdline`, so a command gets the bare URL in its
/// arguments and the credentials in the environment of that one command (``Command/secretEnvironment``).
public struct URLCredentials: Sendable, Equatable {
    /// The URL without its user information: what argv, a plan or a clone's config may show.
    public var url: String
    public var username: String
    public var password: String?
    /// `scheme://host[:port]`: the only place the credentials are offered to.
    public var origin: String

    /// nil when `value` is not an `http(s)://` URL with user information (an `ssh://git@…` user is no secret).
    public init?(_ value: String) {
        guard let schemeEnd = value.range(of: "://") else { return nil }
        let scheme = value[..<schemeEnd.lowerBound].lowercased()
        guard ["http", "https"].contains(scheme) else { return nil }
        let rest = value[schemeEnd.upperBound...]
        let authorityEnd = rest.firstIndex(where: { "/?#".contains($0) }) ?? rest.endIndex
        let authority = rest[..<authorityEnd]
        guard let at = authority.lastIndex(of: "@") else { return nil }
        let userinfo = authority[..<at], host = authority[authority.index(after: at)...]
        guard !host.isEmpty else { return nil }
        let parts = userinfo.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)
        username = Self.percentDecoded(parts[0])
        password = parts.count > 1 ? Self.percentDecoded(parts[1]) : nil
        origin = scheme + "://" + host
        url = origin + rest[authorityEnd...]
    }

    /// `credential.helper=` empties the helpers the repository or the user configured (none of them gets the
    /// credentials to `store`), then one helper, for this origin only (a redirect elsewhere gets nothing), prints
    /// them from its environment with the shell's builtin `printf`: the values are in no argv, no file.
    public var gitOptions: [String] {
        ["-c", "credential.helper=", "-c", "credential.\(origin).helper=" + Self.gitHelper]
    }

    public static let gitHelper = #"!f() { test "$1" = get && printf 'username=%s\npassword=%s\n' "$STEWARD_GIT_USERNAME" "$STEWARD_GIT_PASSWORD"; }; f"#

    /// What ``gitHelper`` reads.
    public var gitEnvironment: [String: String] {
        ["STEWARD_GIT_USERNAME": username, "STEWARD_GIT_PASSWORD": password ?? ""]
    }

    /// `%40` → `@`: git and pip decode the user information of a URL the same way.
    static func percentDecoded(_ s: Substring) -> String {
        var bytes: [UInt8] = []
        var i = s.utf8.startIndex
        let utf8 = s.utf8
        while i < utf8.endIndex {
            let b = utf8[i]
            if b == UInt8(ascii: "%"), let h1 = utf8.index(i, offsetBy: 1, limitedBy: utf8.endIndex), h1 < utf8.endIndex,
               let h2 = utf8.index(h1, offsetBy: 1, limitedBy: utf8.endIndex), h2 < utf8.endIndex,
               let v = UInt8(String(decoding: [utf8[h1], utf8[h2]], as: UTF8.self), radix: 16) {
                bytes.append(v)
                i = utf8.index(after: h2)
            } else {
                bytes.append(b)
                i = utf8.index(after: i)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
