import Yams

extension ManifestReader {
    static let silenceKeys = ["rule", "subject", "reason"]

    /// The `silence` list, in file order. Entries with a problem are reported and left out.
    mutating func silences(_ node: Node, _ path: String) -> [Silence] {
        if Self.isNull(node) { return [] }
        guard case .sequence(let items) = node else {
            report(node, path, "expected a list, got \(Self.describe(node))")
            return []
        }
        var result: [Silence] = []
        for (index, item) in items.enumerated() {
            let itemPath = "\(path)[\(index)]"
            if let silence = silence(item, itemPath) { result.append(silence) }
        }
        return result
    }

    private mutating func silence(_ node: Node, _ path: String) -> Silence? {
        if Self.isNull(node) {
            report(node, path, "empty silence; give it a rule and a reason")
            return nil
        }
        guard let fields = fields(node, path, known: Self.silenceKeys) else { return nil }
        func at(_ key: String) -> String { Self.join(path, key) }
        var valid = true

        var rule: String? = nil
        if let ruleNode = fields["rule"]?.value {
            rule = string(ruleNode, at("rule"))
            if let text = rule, !Self.isRulePattern(text) {
                report(ruleNode, at("rule"), "expected a rule id like \"ports.public-bind\" or a family like "
                       + "\"logs.*\", got \(Self.describe(value: text))")
                valid = false
            } else if rule == nil, Self.isNull(ruleNode) {
                report(ruleNode, at("rule"), "must not be empty")
                valid = false
            }
        } else {
            report(node, path, "missing key \"rule\": the id of the rule to silence, like \"ports.public-bind\"")
        }

        var subject: String? = nil
        if let subjectNode = fields["subject"]?.value, let text = string(subjectNode, at("subject")) {
            if text.trimmingSpaces().isEmpty {
                report(subjectNode, at("subject"), "must not be empty; leave subject out to silence every subject")
                valid = false
            } else {
                subject = text
            }
        }

        var reason: String? = nil
        if let reasonNode = fields["reason"]?.value {
            if let text = string(reasonNode, at("reason")), !text.trimmingSpaces().isEmpty {
                reason = text
            } else if case .scalar = reasonNode {
                report(reasonNode, at("reason"), "must not be empty; say why the finding is accepted")
            }
        } else {
            report(node, path, "missing key \"reason\": say why the finding is accepted; the report shows it")
        }

        guard valid, let rule, let reason else { return nil }
        return Silence(rule: rule, subject: subject, reason: reason)
    }

    /// `family.name`, `family.*` or `family.prefix*`: lowercase letters, digits and `-`, a dot, then a name in
    /// which `*` may stand for any run of characters.
    static func isRulePattern(_ text: String) -> Bool {
        guard let dot = text.firstIndex(of: ".") else { return false }
        let family = text[..<dot], name = text[text.index(after: dot)...]
        let lower: (Character) -> Bool = { $0.isASCII && ($0.isLowercase || $0.isNumber) }
        guard let first = family.first, first.isASCII, first.isLowercase,
              family.allSatisfy({ lower($0) || $0 == "-" }) else { return false }
        return !name.isEmpty && name.first != "." && name.allSatisfy { lower($0) || "-_.*".contains($0) }
    }
}
