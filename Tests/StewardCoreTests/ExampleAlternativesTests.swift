import Foundation
import Testing
@testable import StewardCore

/// The annotated examples show alternatives in comments (`#   key: value` above the active `key:`, or
/// `#   - item` under an empty list). A reader copies them, so each must be valid: every alternative is put in place
/// of the active line and the whole file parsed again.
@Suite struct ExampleAlternativesTests {
    static let examples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("examples")

    /// One variant of the file per commented alternative, named by its line.
    static func variants(of text: String) -> [(line: Int, text: String)] {
        let lines = text.components(separatedBy: "\n")
        func indent(_ s: String) -> Int { s.prefix { $0 == " " }.count }
        func isComment(_ s: String) -> Bool { s.trimmingCharacters(in: .whitespaces).hasPrefix("#") }
        var out: [(Int, String)] = []
        for (i, line) in lines.enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("#   "), !trimmed.hasPrefix("#    ") else { continue }
            let body = String(trimmed.dropFirst(4))
            let pad = String(repeating: " ", count: indent(line))
            if body.hasPrefix("- ") {
                // An item for the empty list on the nearest active line above: `key: []` becomes `key:` + the item.
                guard let k = (0..<i).reversed().first(where: { !isComment(lines[$0]) && !lines[$0].isEmpty }),
                      lines[k].hasSuffix(": []") else { continue }
                var copy = lines
                copy[k] = String(lines[k].dropLast(3))
                copy[i] = pad + "  " + body
                out.append((i + 1, copy.joined(separator: "\n")))
            } else if let colon = body.firstIndex(of: ":"), body[..<colon].allSatisfy({ $0.isLetter || $0 == "_" }) {
                // A value for the next active line with the same key and indentation; a block value below it goes too.
                let key = body[..<colon] + ":"
                guard let k = (i + 1..<lines.count).first(where: { !isComment(lines[$0]) && !lines[$0].isEmpty }),
                      indent(lines[k]) == indent(line), lines[k].trimmingCharacters(in: .whitespaces).hasPrefix(key) else { continue }
                var end = k + 1
                while end < lines.count, lines[end].isEmpty || indent(lines[end]) > indent(line) { end += 1 }
                var copy = lines
                copy.replaceSubrange(k..<end, with: [pad + body])
                copy[i] = ""
                out.append((i + 1, copy.joined(separator: "\n")))
            }
        }
        return out
    }

    @Test func everyCommentedAlternativeOfTheN1ManifestParses() throws {
        let text = try String(contentsOf: Self.examples.appendingPathComponent("steward.n1.yml"), encoding: .utf8)
        let variants = Self.variants(of: text)
        #expect(variants.count >= 3, "the alternatives were not found: \(variants.map(\.line))")
        for v in variants {
            if case .failure(let errors) = ManifestParser.parse(v.text, file: "steward.n1.yml") {
                Issue.record("the alternative on line \(v.line) does not parse: \(errors)")
            }
        }
    }

    @Test func everyCommentedAlternativeOfTheChecksExampleParses() throws {
        let text = try String(contentsOf: Self.examples.appendingPathComponent("checks.marb.yml"), encoding: .utf8)
        for v in Self.variants(of: text) {
            if case .failure(let errors) = CheckFileParser.parse(v.text, file: "checks.marb.yml") {
                Issue.record("the alternative on line \(v.line) does not parse: \(errors)")
            }
        }
    }

    /// The finder itself: an invalid alternative is caught (the braces of the old example's flow mapping).
    @Test(arguments: [("/etc/app/{instance}.env#DATABASE_URL", false), ("\"/etc/app/{instance}.env#DATABASE_URL\"", true)])
    func anInvalidAlternativeIsCaught(database: String, valid: Bool) {
        let text = """
            apps:
              web:
                unit: web@.service
                instances: {prod: {production: true}}
                deploy:
                  #   migrations: {kind: sql, directory: db/migrations, database: \(database)}
                  migrations: auto
            """
        let variants = Self.variants(of: text)
        #expect(variants.count == 1)
        #expect(ManifestParser.parse(text, file: "x.yml").isSuccess)
        #expect(variants.first.map { ManifestParser.parse($0.text, file: "x.yml").isSuccess } == valid)
    }
}

extension Result {
    var isSuccess: Bool { if case .success = self { true } else { false } }
}
