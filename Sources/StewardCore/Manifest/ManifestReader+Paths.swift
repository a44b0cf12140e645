import Yams

/// Deploy's values: commands run without a shell, paths inside the checkout.
extension ManifestReader {
    /// A command as an argv list (`[python, manage.py, collectstatic]`), or a string split at spaces. Never a shell
    /// line: `;`, `|`, `&&` and `$` would be passed as plain arguments, so they are refused to avoid the surprise.
    mutating func commandLine(_ node: Node, _ path: String) -> [String]? {
        let argv: [String]
        if case .sequence = node {
            guard let list = strings(node, path) else { return nil }
            argv = list
        } else {
            guard let text = string(node, path, expected: "a command like [python, manage.py, collectstatic, --noinput]") else { return nil }
            argv = text.split(separator: " ").map(String.init)
        }
        guard let first = argv.first, !first.isEmpty else {
            report(node, path, "expected a command like [python, manage.py, collectstatic, --noinput]")
            return nil
        }
        if let bad = argv.first(where: { ["&&", "||", ";", "|", ">", "<"].contains($0) || $0.hasPrefix("$(") }) {
            report(node, path, "\(Self.describe(value: bad)) is shell syntax, and commands run without a shell; "
                   + "write one command per list item, or put a script in the repository and name it")
            return nil
        }
        return argv
    }

    /// A path inside the checkout: relative, without `..`.
    mutating func relativePath(_ text: String, _ node: Node, _ path: String, allowEmpty: Bool) -> String? {
        let trimmed = text.hasSuffix("/") ? String(text.dropLast()) : text
        if (trimmed.isEmpty || trimmed == ".") && allowEmpty { return "" }
        guard !trimmed.isEmpty, trimmed != ".", !trimmed.hasPrefix("/"), !trimmed.split(separator: "/").contains(".."), !trimmed.hasPrefix("-") else {
            report(node, path, "expected a path inside the checkout like chip_dashboard, got \(Self.describe(value: text))")
            return nil
        }
        return trimmed
    }
}
