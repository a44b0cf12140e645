/// Which refs an instance accepts: production takes only tags, so what runs in production is always a named,
/// reproducible release (seed 000: "prod deploys by tag"). A branch or a bare commit needs `--allow-untagged`
/// and a reason, which the deploy record keeps.
public enum RefPolicy {
    public enum Decision: Equatable, Sendable {
        case allowed
        case refused(String)
    }

    /// `tags` are the tags that point at the resolved commit; `isTag` says whether the ref itself names a tag.
    public static func decide(ref: String, isTag: Bool, production: Bool, allowUntagged: Bool, reason: String?) -> Decision {
        guard production, !isTag else { return .allowed }
        guard allowUntagged else {
            return .refused("\(ref) is not a tag, and production instances deploy only tags; tag the commit "
                            + "(git tag v1.2.3 && git push origin v1.2.3), or pass --allow-untagged --reason \"…\"")
        }
        guard let reason, !reason.trimmingCharacters(in: .whitespaces).isEmpty else {
            return .refused("--allow-untagged needs --reason \"why\": the reason is recorded with the release")
        }
        return .allowed
    }

    /// Whether `ref` is usable as a git ref name in a command line: no option-like or revision-expression syntax,
    /// so a ref can never turn into a git option or a range.
    public static func isSafeRef(_ ref: String) -> Bool {
        guard !ref.isEmpty, ref.count <= 200, !ref.hasPrefix("-"), !ref.hasPrefix("/"), !ref.hasSuffix("/"),
              !ref.contains(".."), !ref.contains("@{"), !ref.hasSuffix(".lock") else { return false }
        return ref.unicodeScalars.allSatisfy { $0.isASCII && (CharacterSetLike.refChar($0)) }
    }

    private enum CharacterSetLike {
        static func refChar(_ s: Unicode.Scalar) -> Bool {
            let c = Character(s)
            return c.isLetter || c.isNumber || "._-/+".contains(c)
        }
    }
}
