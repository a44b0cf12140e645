import Yams

/// The readers of the checks that talk to a program: postgres, redis, command.
extension ManifestReader {
    // MARK: - postgres

    mutating func postgresCheck(_ parts: CheckFields) -> PostgresExpectation? {
        var valid = true
        let example = "/etc/app/prod.env#DATABASE_URL"
        let dsn = required(parts, "dsn", "the connection URL, by reference, like \(example)", &valid) {
            $0.secretRef($1, $2, example: example)
        }
        let query = optional(parts, "query", &valid) { $0.text($1, $2, expected: "an SQL query like SELECT 1") }
        let expect = optional(parts, "expect", &valid) { reader, node, path -> String? in
            guard case .scalar(let scalar) = node else {
                reader.report(node, path, "expected the value the query returns, got \(Self.describe(node))")
                return nil
            }
            return Self.isNull(node) ? "NULL" : scalar.string
        }
        guard valid, let dsn else { return nil }
        // `SELECT 1` must give 1; a query of the user's must run, and give `expect` when it says.
        return PostgresExpectation(dsn: dsn, query: query ?? "SELECT 1", expect: query == nil ? expect ?? "1" : expect)
    }

    // MARK: - redis

    mutating func redisCheck(_ parts: CheckFields) -> RedisExpectation? {
        var valid = true
        var expectation = RedisExpectation()
        expectation.url = optional(parts, "url", &valid) {
            $0.secretRef($1, $2, example: "/etc/app/prod.env#REDIS_URL",
                         hint: "; for a server without a password, give host and port instead")
        }
        if let host = optional(parts, "host", &valid, { $0.host($1, $2) }) { expectation.host = host }
        if let port = optional(parts, "port", &valid, { $0.port($1, $2) }) { expectation.port = port }
        if parts["url"] != nil {
            refuse(parts, ["host", "port"], "give url or host and port, not both", &valid)
        }
        expectation.maxLength = optional(parts, "max_length", &valid) { reader, node, path in
            reader.queueLimits(node, path)
        } ?? [:]
        return valid ? expectation : nil
    }

    /// `{celery: 100}`: list keys and the most items each may hold.
    private mutating func queueLimits(_ node: Node, _ path: String) -> [String: Int]? {
        if Self.isNull(node) { return [:] }
        guard case .mapping(let mapping) = node else {
            report(node, path, "expected a mapping of list keys to lengths, like {celery: 100}, got \(Self.describe(node))")
            return nil
        }
        var result: [String: Int] = [:], valid = true
        for (keyNode, valueNode) in mapping {
            guard case .scalar(let keyScalar) = keyNode, !keyScalar.string.isEmpty,
                  !keyScalar.string.contains(where: \.isNewline) else {
                report(keyNode, path, "expected a list key like celery, got \(Self.describe(keyNode))")
                valid = false
                continue
            }
            let keyPath = Self.join(path, keyScalar.string)
            if Self.isNull(valueNode) {
                report(valueNode, keyPath, "expected the most items the list may hold, like 100, got nothing")
                valid = false
            } else if let limit = integer(valueNode, keyPath, in: 0...Int.max) {
                result[keyScalar.string] = limit
            } else {
                valid = false
            }
        }
        return valid ? result : nil
    }

    // MARK: - command

    /// Arguments that mean something to a shell only; with argv they would reach the program as text.
    static let shellOperators: Set<String> = ["|", "||", "&&", "&", ";", ">", ">>", "<", "2>", "2>&1", "$(", "`"]

    mutating func commandCheck(_ parts: CheckFields) -> CommandExpectation? {
        var valid = true
        let argv = required(parts, "argv", "the program and its arguments, like [/usr/bin/redis-cli, ping]", &valid) {
            $0.argv($1, $2)
        }
        var expectation = CommandExpectation(argv: argv ?? [])
        if let status = optional(parts, "exit_status", &valid, { $0.integer($1, $2, in: 0...255) }) {
            expectation.exitStatus = Int32(status)
        }
        if let contains = optional(parts, "stdout_contains", &valid, { $0.strings($1, $2) }) {
            expectation.stdoutContains = contains
        }
        return valid ? expectation : nil
    }

    /// A program and its arguments, run without a shell: a list whose first item is an absolute path or a program
    /// name looked up in PATH. A single word is a one-item list; a string with spaces is refused.
    private mutating func argv(_ node: Node, _ path: String) -> [String]? {
        let example = "[/usr/bin/redis-cli, ping]"
        if Self.isNull(node) {
            report(node, path, "must not be empty; expected a list like \(example)")
            return nil
        }
        let items: [(node: Node, text: String)]
        switch node {
        case .sequence(let sequence):
            var texts: [(Node, String)] = []
            for (index, item) in sequence.enumerated() {
                guard case .scalar(let scalar) = item, !Self.isNull(item) else {
                    report(item, "\(path)[\(index)]", "expected an argument, got "
                           + (Self.isNull(item) ? "nothing" : Self.describe(item)))
                    return nil
                }
                texts.append((item, scalar.string))
            }
            items = texts
        case .scalar(let scalar):
            guard !scalar.string.contains(where: \.isWhitespace) else {
                report(node, path, "expected a list like \(example): commands run without a shell, so write the program "
                       + "and each argument as a list item")
                return nil
            }
            items = [(node, scalar.string)]
        default:
            report(node, path, "expected a list like \(example), got \(Self.describe(node))")
            return nil
        }
        guard let program = items.first else {
            report(node, path, "must not be empty; expected a list like \(example)")
            return nil
        }
        let programPath = node.sequence == nil ? path : "\(path)[0]"
        if program.text.contains(where: \.isWhitespace) {
            report(program.node, programPath, "\(Self.describe(value: program.text)) contains a space: commands run "
                   + "without a shell, so write the program and each argument as separate list items")
            return nil
        }
        guard !program.text.isEmpty, program.text.hasPrefix("/") || !program.text.contains("/") else {
            report(program.node, programPath, "expected an absolute path or a program name found in PATH, got "
                   + Self.describe(value: program.text))
            return nil
        }
        var valid = true
        var previousNamesSecret = false
        for (index, item) in items.enumerated().dropFirst() {
            let itemPath = "\(path)[\(index)]"
            if Self.shellOperators.contains(item.text) {
                report(item.node, itemPath, "\(Self.describe(value: item.text)) would reach the program as an argument: "
                       + "commands run without a shell")
                valid = false
            } else if previousNamesSecret || Self.isSecretOption(item.text) {
                report(item.node, itemPath, "a secret is never written on a command line (the value is not shown); "
                       + "use a check that takes it from an env file, or a program that reads it itself")
                valid = false
            }
            previousNamesSecret = item.text.hasPrefix("-") && !item.text.contains("=")
                && KeySuggestion.looksLikeSecret(String(item.text.drop { $0 == "-" }))
        }
        return valid ? items.map(\.text) : nil
    }

    /// `--password=…`, `--token=…`: an option named like a secret, with its value.
    private static func isSecretOption(_ text: String) -> Bool {
        guard text.hasPrefix("-"), let equals = text.firstIndex(of: "=") else { return false }
        return KeySuggestion.looksLikeSecret(String(text[..<equals].drop { $0 == "-" }))
    }
}
