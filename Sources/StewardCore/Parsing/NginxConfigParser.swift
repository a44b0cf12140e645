/// Reads the server blocks of an nginx site file: server_name, listen, and each location's proxy_pass and
/// proxy_set_header lines. A small tokenizer (comments, quotes, braces), not a full nginx grammar.
public enum NginxConfigParser {
    struct Token { var text: String; var line: Int }

    static func tokenize(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        var line = 1
        var startLine = 1
        var quote: Character? = nil
        var comment = false
        func flush() {
            if !current.isEmpty { tokens.append(Token(text: current, line: startLine)); current = "" }
        }
        for c in text {
            if c == "\n" { line += 1 }
            if comment { if c == "\n" { comment = false }; continue }
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
                continue
            }
            switch c {
            case "#": flush(); comment = true
            case "\"", "'": if current.isEmpty { startLine = line }; quote = c
            case " ", "\t", "\n", "\r": flush()
            case "{", "}", ";": flush(); tokens.append(Token(text: String(c), line: line))
            default:
                if current.isEmpty { startLine = line }
                current.append(c)
            }
        }
        flush()
        return tokens
    }

    /// One statement: a directive with its arguments, and its block when it has one.
    struct Statement { var name: String; var args: [String]; var line: Int; var block: [Statement]? }

    /// Blocks nested deeper than this are skipped whole: real configs nest a few levels (http, server, location,
    /// if); a file of a million `{` must not overflow the stack.
    static let maxDepth = 32
    /// At most this many `include`d files per parsed file, this deep, and this many bytes of them in all.
    static let maxIncludes = 64
    static let maxIncludeDepth = 4
    static let maxIncludedBytes = 16 << 20

    static func statements(_ tokens: [Token], _ index: inout Int, depth: Int = 0) -> [Statement] {
        var result: [Statement] = []
        var words: [Token] = []
        while index < tokens.count {
            let t = tokens[index]
            index += 1
            switch t.text {
            case ";":
                if let first = words.first { result.append(Statement(name: first.text, args: words.dropFirst().map(\.text), line: first.line, block: nil)) }
                words = []
            case "{":
                guard depth < maxDepth else { skipBlock(tokens, &index); words = []; continue }
                let block = statements(tokens, &index, depth: depth + 1)
                if let first = words.first { result.append(Statement(name: first.text, args: words.dropFirst().map(\.text), line: first.line, block: block)) }
                words = []
            case "}":
                return result
            default:
                words.append(t)
            }
        }
        return result
    }

    /// Moves past the block just opened, counting braces instead of recursing.
    static func skipBlock(_ tokens: [Token], _ index: inout Int) {
        var open = 1
        while index < tokens.count, open > 0 {
            if tokens[index].text == "{" { open += 1 } else if tokens[index].text == "}" { open -= 1 }
            index += 1
        }
    }

    /// What the includes of one parse have used so far.
    struct IncludeBudget { var files = 0; var bytes = 0 }

    /// - Parameters:
    ///   - include: the text of an included file (`include proxy_params;` → `/etc/nginx/proxy_params`), or nil;
    ///     Debian's usual `location / { include proxy_params; proxy_pass …; }` sets its headers that way.
    /// Replaces `include FILE;` statements (no globs) by the statements of the file, a few levels deep, within
    /// ``maxIncludes`` files and ``maxIncludedBytes`` (a file that includes itself ends there).
    static func expand(_ list: [Statement], include: (String) -> String?, depth: Int, budget: inout IncludeBudget) -> [Statement] {
        var out: [Statement] = []
        for s in list {
            if s.name == "include", let target = s.args.first, !target.contains("*") {
                guard depth < maxIncludeDepth, budget.files < maxIncludes else { continue }
                let path = target.hasPrefix("/") ? target : "/etc/nginx/" + target
                budget.files += 1
                guard let text = include(path), budget.bytes + text.utf8.count <= maxIncludedBytes else { continue }
                budget.bytes += text.utf8.count
                var i = 0
                out += expand(statements(tokenize(text), &i), include: include, depth: depth + 1, budget: &budget)
                continue
            }
            var s = s
            if let block = s.block { s.block = expand(block, include: include, depth: depth, budget: &budget) }
            out.append(s)
        }
        return out
    }

    /// `return 301 https://$host$request_uri;` or `rewrite ^ https://… permanent;` in the server, an `if` or a location.
    static func redirectsToHTTPS(_ list: [Statement]) -> Bool {
        list.contains { s in
            if s.name == "return", s.args.count >= 2, ["301", "302", "307", "308"].contains(s.args[0]), s.args[1].hasPrefix("https://") { return true }
            if s.name == "rewrite", s.args.count >= 2, s.args[1].hasPrefix("https://") { return true }
            return s.block.map(redirectsToHTTPS) ?? false
        }
    }

    public static func parse(_ text: String, file: String, include: (String) -> String? = { _ in nil }) -> [NginxSite] {
        var index = 0
        var budget = IncludeBudget()
        let top = expand(statements(tokenize(text), &index), include: include, depth: 0, budget: &budget)
        // A site file holds server blocks; nginx.conf nests them in http { }.
        func servers(_ list: [Statement]) -> [Statement] {
            list.flatMap { s -> [Statement] in
                if s.name == "server", let b = s.block { return [Statement(name: s.name, args: s.args, line: s.line, block: b)] }
                if s.name == "http", let b = s.block { return servers(b) }
                return []
            }
        }
        return servers(top).map { server in
            let body = server.block ?? []
            var locations: [NginxLocation] = []
            func collect(_ list: [Statement], inherited: [String]) {
                let here = inherited + list.filter { $0.name == "proxy_set_header" }.compactMap { $0.args.first }
                for s in list where s.name == "location" {
                    let block = s.block ?? []
                    let headers = (block.contains { $0.name == "proxy_set_header" })
                        ? block.filter { $0.name == "proxy_set_header" }.compactMap { $0.args.first }
                        : here  // nginx inherits proxy_set_header only when the location sets none
                    let pass = block.first { $0.name == "proxy_pass" }
                    locations.append(NginxLocation(path: s.args.joined(separator: " "), proxyPass: pass?.args.first,
                                                   proxySetHeaders: headers, line: pass?.line ?? s.line))
                    collect(block.filter { $0.name == "location" }, inherited: headers)
                }
            }
            collect(body, inherited: [])
            return NginxSite(file: file,
                             serverNames: body.filter { $0.name == "server_name" }.flatMap(\.args),
                             listen: body.filter { $0.name == "listen" }.map { $0.args.joined(separator: " ") },
                             locations: locations,
                             sslCertificates: body.filter { $0.name == "ssl_certificate" }.compactMap { $0.args.first },
                             redirectsToHTTPS: redirectsToHTTPS(body))
        }
    }
}
