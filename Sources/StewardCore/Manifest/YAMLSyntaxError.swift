import Yams

/// Turns what Yams throws into one located ``ManifestError``.
enum YAMLSyntaxError {
    static func manifestError(_ error: Error, yaml: String, file: String) -> ManifestError {
        func located(_ line: Int?, _ column: Int?, _ message: String) -> ManifestError {
            ManifestError(file: file, line: line, column: column, path: "", message: message)
        }
        guard let error = error as? YamlError else {
            return located(nil, nil, "invalid YAML: \(error)")
        }
        switch error {
        case let .scanner(context, problem, mark, _), let .parser(context, problem, mark, _),
             let .composer(context, problem, mark, _):
            var message = "invalid YAML: \(problem)"
            if let context {
                message += " (\(context.text)"
                message += context.mark.line == mark.line ? ")" : " that starts at line \(context.mark.line))"
            }
            return located(mark.line, mark.column, message)
        case let .reader(problem, offset, _, yaml):
            let position = offset.map { lineAndColumn(ofCharacter: $0, in: yaml) }
            return located(position?.line, position?.column, "invalid YAML: \(problem)")
        case let .duplicatedKeysInMapping(duplicates, context):
            let key = duplicates.first ?? ""
            let first = context.mark
            if let second = secondOccurrence(of: key, after: first, in: yaml) {
                return located(second.line, second.column,
                               "duplicate key \(ManifestReader.describe(value: key)); first given at line \(first.line)")
            }
            return located(first.line, first.column, "duplicate key \(ManifestReader.describe(value: key))")
        default:
            return located(nil, nil, "invalid YAML: \(error)")
        }
    }

    /// 1-based line and column (in Unicode scalars) of the character at `offset`.
    static func lineAndColumn(ofCharacter offset: Int, in text: String) -> (line: Int, column: Int) {
        var line = 1, column = 1
        for character in text.prefix(offset) {
            if character.isNewline {
                line += 1
                column = 1
            } else {
                column += character.unicodeScalars.count
            }
        }
        return (line, column)
    }

    /// Where a block mapping repeats `key` given first at `first`: the next line indented like the first key that
    /// starts with the key and a colon, before the mapping ends (a line indented less).
    static func secondOccurrence(of key: String, after first: Mark, in yaml: String) -> (line: Int, column: Int)? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        guard first.line >= 1, first.line <= lines.count else { return nil }
        let indent = first.column - 1
        let spellings = [key, "\"\(key)\"", "'\(key)'"].map { $0 + ":" }
        for index in first.line..<lines.count {
            let line = lines[index].unicodeScalars
            let content = line.drop { $0 == " " || $0 == "-" }
            guard let head = content.first, head != "#" else { continue }
            let column = line.count - content.count
            if column < indent { return nil }
            if column == indent, spellings.contains(where: { String(content).hasPrefix($0) }) {
                return (index + 1, column + 1)
            }
        }
        return nil
    }
}
