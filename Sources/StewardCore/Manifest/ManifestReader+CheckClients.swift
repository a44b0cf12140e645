import Yams

/// Values of the checks that talk to a program: redis list limits, a command's argv.
extension ManifestReader {
    /// `{celery: 100}`: list keys and the most items each may hold.
    mutating func queueLimits(_ node: Node, _ path: String) -> [String: Int]? {
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
    static let argvExample = "[/usr/bin/redis-cli, ping]"

    static let shellOperators: Set<String> = ["|", "||", "&&", "&", ";", ">", ">>", "<", "2>", "2>&1", "$(", "`"]

    /// A program and its arguments, run without a shell: a list whose first item is an absolute path or a program
    /// name looked up in PATH. A single word is a one-item list; a string with spaces is refused.
    mutating func argv(_ node: Node, _ path: String) -> [String]? {
        let example = Self.argvExample
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
