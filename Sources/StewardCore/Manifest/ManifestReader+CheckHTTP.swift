import Yams

/// The values of `http` checks, and the URL and header rules that keep credentials out of the file.
extension ManifestReader {
    static let httpMethods = ["GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"]
    static let urlExample = "https://127.0.0.1/api/v1/health"
    /// Header names whose value is a credential whatever it looks like.
    static let credentialHeaders: Set<String> = ["authorization", "proxy-authorization", "cookie"]

    // MARK: - URL

    /// An `http` or `https` URL with a host, without credentials: `user:password@` in it, or a query parameter
    /// named like a secret (`?token=…`), is refused without repeating the URL.
    mutating func httpURL(_ node: Node, _ path: String) -> String? {
        guard let text = text(node, path, expected: "a URL") else { return nil }
        if let problem = Self.urlProblem(text) {
            report(node, path, problem)
            return nil
        }
        return text
    }

    /// What is wrong with a URL, or nil when it is a usable http(s) URL.
    static func urlProblem(_ text: String) -> String? {
        let shape = "expected an http or https URL like \(urlExample), got \(describe(value: text))"
        guard let separator = text.range(of: "://") else { return shape }
        let scheme = text[..<separator.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else {
            guard !scheme.isEmpty, scheme.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || "+-.".contains($0)) })
            else { return shape }
            return "unsupported scheme \(describe(value: scheme)); expected http or https"
        }
        let rest = text[separator.upperBound...]
        let authority = rest.prefix { !"/?#".contains($0) }
        if authority.contains("@") {
            return "credentials in a URL are not allowed (the value is not shown); take them from an env file with "
                + "bearer or secret_headers"
        }
        if let query = rest.firstIndex(of: "?") {
            let parameters = rest[rest.index(after: query)...].prefix { $0 != "#" }.split(separator: "&")
            let names = parameters.map { String($0.prefix { $0 != "=" }) }
            if names.contains(where: KeySuggestion.looksLikeSecret) {
                return "a secret in the query string is not allowed (the value is not shown); take it from an env file "
                    + "with bearer or secret_headers"
            }
        }
        guard !text.contains(where: { $0.isWhitespace }) else { return shape }
        var host = Substring(authority), port: Substring? = nil
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return shape }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return shape }
                port = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            port = authority[authority.index(after: colon)...]
        }
        guard !host.isEmpty else { return "expected a host in the URL, like \(urlExample)" }
        guard host.hasPrefix("[") ? IPAddress.isIPv6(IPAddress.normalized(String(host))) : isHost(String(host))
        else { return shape }
        if let port {
            guard let number = Int(port), port.allSatisfy({ $0.isASCII && $0.isNumber }), (1...65535).contains(number)
            else { return "the URL's port must be between 1 and 65535, got \(describe(value: String(port)))" }
        }
        return nil
    }

    // MARK: - Headers

    /// `headers` (plain values) or `secret_headers` (references), in file order. A plain header that carries a
    /// credential (`Authorization`, `X-Api-Key`, a `Bearer …` value) is refused without its value.
    mutating func headers(_ node: Node, _ path: String, secret: Bool,
                                  seen: inout [String: (key: Node, path: String)])
        -> [(name: String, value: String, ref: SecretRef?)]? {
        if Self.isNull(node) { return [] }
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping of header names to values, got \(Self.describe(node))")
            return nil
        }
        var result: [(name: String, value: String, ref: SecretRef?)] = []
        var valid = true
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                report(keyNode, path, "expected a header name, got \(Self.describe(keyNode))")
                valid = false
                continue
            }
            let name = keyScalar.string, headerPath = Self.join(path, name)
            let tokenCharacters = "!#$%&'*+-.^_`|~"
            guard !name.isEmpty, name.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || tokenCharacters.contains($0)) })
            else {
                report(keyNode, headerPath, "invalid header name; use letters, digits and \"-\"")
                valid = false
                continue
            }
            if let first = seen[name.lowercased()] {
                let line = first.key.mark.map { " at line \($0.line)" } ?? ""
                report(keyNode, headerPath, "header \(Self.quote(name)) is already set\(line) (header names ignore case)")
                valid = false
                continue
            }
            seen[name.lowercased()] = (keyNode, headerPath)
            if secret {
                guard let ref = secretRef(valueNode, headerPath) else { valid = false; continue }
                result.append((name, "", ref))
                continue
            }
            if Self.credentialHeaders.contains(name.lowercased()) || KeySuggestion.looksLikeSecret(name) {
                let instead = name.lowercased() == "authorization" ? "bearer or secret_headers" : "secret_headers"
                report(keyNode, headerPath, "a credential is never written inline (the value is not shown); take it "
                       + "from an env file with \(instead), like \(name): \(Self.secretRefExample)")
                valid = false
                continue
            }
            guard case .scalar(let scalar) = valueNode else {
                report(valueNode, headerPath, "expected a header value, got \(Self.describe(valueNode))")
                valid = false
                continue
            }
            let value = scalar.string, lower = value.lowercased()
            if ["bearer ", "basic ", "token "].contains(where: lower.hasPrefix) {
                report(valueNode, headerPath, "a credential is never written inline (the value is not shown); take it "
                       + "from an env file with secret_headers, like \(name): \(Self.secretRefExample)")
                valid = false
                continue
            }
            guard !value.contains(where: \.isNewline) else {
                report(valueNode, headerPath, "expected a header value on one line, got a multi-line value")
                valid = false
                continue
            }
            result.append((name, value, nil))
        }
        return valid ? result : nil
    }

    static func isBefore(_ a: Node, _ b: Node) -> Bool {
        (a.mark?.line ?? 0, a.mark?.column ?? 0) < (b.mark?.line ?? 0, b.mark?.column ?? 0)
    }

    // MARK: - Status and JSON

    /// `200`, or a list `[200, 204]`: codes 100 to 599.
    mutating func statusCodes(_ node: Node, _ path: String) -> [Int]? {
        func code(_ node: Node, _ path: String, _ expected: String) -> Int? {
            value(node, path, expected: expected) { text in
                guard text.count == 3, text.allSatisfy({ $0.isASCII && $0.isNumber }), let code = Int(text),
                      (100...599).contains(code) else { return nil }
                return code
            }
        }
        guard case .sequence(let items) = node else {
            if Self.isNull(node) {
                report(node, path, "expected an integer 100-599 or a list of them, got nothing")
                return nil
            }
            return code(node, path, "an integer 100-599 or a list of them").map { [$0] }
        }
        guard !items.isEmpty else {
            report(node, path, "must not be empty")
            return nil
        }
        var codes: [Int] = [], valid = true
        for (index, item) in items.enumerated() {
            guard let status = code(item, "\(path)[\(index)]", "an integer 100-599") else { valid = false; continue }
            if !codes.contains(status) { codes.append(status) }
        }
        return valid ? codes : nil
    }

    /// `{status: healthy, "data.ok": "true"}`: dotted paths to values compared as text.
    mutating func jsonFields(_ node: Node, _ path: String) -> [String: String]? {
        if Self.isNull(node) { return [:] }
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping of JSON fields to values, like {status: healthy}, got "
                   + Self.describe(node))
            return nil
        }
        var result: [String: String] = [:], valid = true
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode else {
                report(keyNode, path, "expected a JSON field like status or data.ok, got \(Self.describe(keyNode))")
                valid = false
                continue
            }
            let field = keyScalar.string, fieldPath = Self.join(path, field)
            let segments = field.split(separator: ".", omittingEmptySubsequences: false)
            guard !field.isEmpty, !segments.contains(where: \.isEmpty), !field.contains(where: \.isNewline) else {
                report(keyNode, fieldPath, "expected a JSON field like status or a dotted path like data.ok")
                valid = false
                continue
            }
            guard case .scalar(let scalar) = valueNode else {
                report(valueNode, fieldPath, "expected a value compared as text, like healthy or 200, got "
                       + Self.describe(valueNode))
                valid = false
                continue
            }
            result[field] = Self.isNull(valueNode) ? "null" : scalar.string
        }
        return valid ? result : nil
    }
}
