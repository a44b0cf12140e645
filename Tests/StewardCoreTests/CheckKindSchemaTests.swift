import Foundation
import Testing
@testable import StewardCore

/// Each key of a check kind is named once, in its ``Field``: the parser accepts exactly the declared keys, so a key
/// cannot be read without being declared. What can still go wrong: a key declared whose value changes nothing, and a
/// rule across keys (`present["pattern"]`, `refuse(…, ["owner_unit"])`) naming a key its section does not declare.
@Suite("Check kinds: every key declared once, read, and named right by the rules")
struct CheckKindSchemaTests {
    /// A valid value for every key of every kind, unlike its default.
    static let samples: [String: [String: String]] = [
        "service": ["unit": "a.service", "active": "false", "enabled": "true", "sub_state": "running", "max_restarts": "2",
                    "user": "marb"],
        "port": ["port": "80", "address": "127.0.0.1", "udp": "true", "owner_unit": "a.service", "owner_process": "uvicorn",
                 "listening": "false"],
        "http": ["url": "\"http://a/\"", "method": "POST", "headers": "{Accept: a}", "secret_headers": "{X-A: /a#B}",
                 "bearer": "/a#B", "status": "204", "body_contains": "ok", "json": "{a: b}", "max_latency": "1s",
                 "follow_redirects": "true", "verify_tls": "false"],
        "tcp": ["host": "a", "port": "1"],
        "tls": ["host": "a", "port": "8443", "file": "/a.pem", "server_name": "a.example", "warning_days": "20",
                "critical_days": "5", "allow_self_signed": "true"],
        "postgres": ["dsn": "/a#B", "query": "SELECT 2", "expect": "2"],
        "redis": ["url": "/a#B", "host": "b", "port": "6380", "max_length": "{q: 1}"],
        "sqlite": ["path": "/a.db", "quick_check": "false", "journal_mode": "wal", "warning_size": "1MiB",
                   "critical_size": "3GiB"],
        "file": ["path": "/a", "exists": "false", "mode": "\"0600\"", "owner": "marb", "group": "marb", "contains": "x"],
        "command": ["argv": "[a]", "exit_status": "1", "stdout_contains": "x"],
        "disk": ["path": "/srv", "warning": "50", "critical": "99"],
        "memory": ["warning": "50", "critical": "99"],
        "load": ["warning_per_cpu": "0.5", "critical_per_cpu": "9"],
        "journal": ["unit": "a", "since": "1h", "max_errors": "5", "pattern": "x", "max_matches": "3"],
        "container": ["project": "pulse", "service": "ui", "max_restarts": "2"],
    ]

    /// What a checks file with one check of `kind` with `keys` parses to: the check, or the errors.
    static func outcome(_ kind: String, _ keys: [String: String]) -> String {
        let mapping = keys.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }.joined(separator: ", ")
        switch CheckFileParser.parse("checks:\n  - \(kind): {\(mapping)}\n", file: "c.yml") {
        case .success(let specs): return String(reflecting: specs)
        case .failure(let errors): return errors.errors.map(\.description).joined(separator: "\n")
        }
    }

    @Test func everyDeclaredKeyHasASample() {
        #expect(Set(Self.samples.keys) == Set(ManifestSchema.checkKinds.map(\.name)))
        for kind in ManifestSchema.checkKinds {
            #expect(Set(Self.samples[kind.name]?.keys.map { $0 } ?? []) == Set(kind.tree.names), "\(kind.name)")
        }
    }

    /// Declared but not read: giving the key (or, for a required key, leaving it out) changes what the check is.
    @Test func everyDeclaredKeyIsRead() {
        for kind in ManifestSchema.checkKinds {
            let samples = Self.samples[kind.name] ?? [:]
            let required = kind.tree.keys.filter(\.required).map(\.name)
            // tls needs host or file.
            let base = samples.filter { required.contains($0.key) || (kind.name == "tls" && $0.key == "host") }
            for key in kind.tree.names {
                var with = base, without = base
                with[key] = samples[key]
                without[key] = nil
                #expect(Self.outcome(kind.name, with) != Self.outcome(kind.name, without), "\(kind.name).\(key) is not read")
            }
            #expect(Self.outcome(kind.name, base).hasPrefix("["), "\(kind.name): \(Self.outcome(kind.name, base))")
        }
    }

    /// Read but not declared: a key is read only through its field, and the rules across keys name only keys their
    /// section declares. The rules are code, so this reads the declarations' source: in each `Section` of the
    /// manifest schema, every key a rule names (`present["…"]`, the keys given to `refuse`, the pairs given to
    /// `checkOrder`, a key path joined by hand) is one of that section's `Field`s.
    @Test func theRulesAcrossKeysNameOnlyDeclaredKeys() throws {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("Sources/StewardCore/Manifest")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path)
            .filter { $0.hasPrefix("ManifestSchema") && $0.hasSuffix(".swift") }
        #expect(files.contains("ManifestSchema+CheckKinds.swift"))
        func names(_ pattern: String, in text: Substring) -> [String] {
            let regex = try! Regex(pattern)
            return text.matches(of: regex).flatMap { match in
                (1..<match.output.count).compactMap { match.output[$0].substring.map(String.init) }
            }
        }
        var named = 0
        for file in files {
            let source = try String(contentsOf: directory.appendingPathComponent(file), encoding: .utf8)
            let sections = source.split(separator: "static let ").filter { $0.contains("= Section<") }
            for section in sections {
                let declared = Set(names(#"Field\("([a-z_]+)""#, in: section))
                let quotedLists = names(#"refuse\(present, \[([^\]]*)\]"#, in: section).joined(separator: ",")
                let ruled = names(#"present\["([a-z_]+)"\]"#, in: section)
                    + names(#"(?:below|above): \("([a-z_]+)""#, in: section)
                    + names(#"join\(path, "([a-z_]+)"\)"#, in: section)
                    + names(#""([a-z_]+)""#, in: Substring(quotedLists))
                named += ruled.count
                let undeclared = Set(ruled).subtracting(declared)
                #expect(undeclared.isEmpty, "\(file): \(section.prefix { $0 != " " }) rules name \(undeclared.sorted())")
            }
        }
        #expect(named > 30)
    }
}
