import Yams

extension ManifestSchema {
    struct SilenceDraft {
        var rule: String?
        var subject: String?
        var reason: String?
    }

    /// One silence; null is refused, since a silence needs a rule and a reason.
    static let silence = ValueType<Silence>(schema: .section(silenceSection.tree), read: { reader, node, path in
        if ManifestReader.isNull(node) {
            reader.report(node, path, "empty silence; give it a rule and a reason")
            return nil
        }
        var draft = SilenceDraft()
        let before = reader.errors.count
        guard silenceSection.read(node, path, into: &draft, &reader), reader.errors.count == before,
              let rule = draft.rule, let reason = draft.reason else { return nil }
        return Silence(rule: rule, subject: draft.subject, reason: reason)
    }, acceptsNull: true)

    static let silenceSection = Section<SilenceDraft>(fields: [
        Field("rule", .string.checked { text in
            ManifestReader.isRulePattern(text) ? nil : "expected a rule id like \"ports.public-bind\" or a family like "
                + "\"logs.*\", got \(ManifestReader.describe(value: text))"
        }, doc: "A rule id (family.name) or a whole family with *, like logs.*; steward rules lists them.",
              required: "the id of the rule to silence, like \"ports.public-bind\"") { _, _, _, draft, rule in draft.rule = rule },
        Field("subject", .string.checked { $0.trimmingSpaces().isEmpty ? "must not be empty; leave subject out to silence every subject" : nil },
              \.subject, doc: "What the finding is about, exact or with *; leave it out for every subject."),
        Field("reason", .string.checked { $0.trimmingSpaces().isEmpty ? reasonNeeded : nil },
              doc: "Why the finding is accepted, and ideally until when; the report prints it.",
              required: "say why the finding is accepted; the report shows it", null: reasonNeeded) { _, _, _, draft, reason in
            draft.reason = reason
        },
    ])

    private static let reasonNeeded = "must not be empty; say why the finding is accepted"
}

extension ManifestReader {
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
