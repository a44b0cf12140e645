import ArgumentParser
import Foundation
import StewardCore

struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest", abstract: "Work with steward.yml.", subcommands: [Check.self, Schema.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a manifest; print each error as file:line:column: path: message.")

        @Argument(help: "The manifest file.")
        var file: String

        @Option(help: "text or json (schema steward.manifest-check/1).")
        var format: ListFormat = .text

        /// `steward.manifest-check/1`: whether the file is valid, what it declares, and each located error.
        struct Document: Encodable {
            var schema = "steward.manifest-check/1"
            var file: String
            var valid: Bool
            var apps = 0
            var instances = 0
            var silences = 0
            var errors: [String] = []
        }

        func run() throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                Self.fail("\(file): cannot read the file")
            }
            switch ManifestParser.parse(text, file: file) {
            case .success(let m):
                let instances = m.apps.reduce(0) { $0 + $1.instances.count }
                if format == .json {
                    OperationCLI.printJSON(Document(file: file, valid: true, apps: m.apps.count, instances: instances, silences: m.silences.count))
                } else {
                    print("\(file): ok (\(m.apps.count) app(s), \(instances) instance(s), \(m.silences.count) silence(s))")
                }
            case .failure(let errors):
                if format == .json {
                    OperationCLI.printJSON(Document(file: file, valid: false, errors: errors.errors.map { "\($0)" }))
                } else {
                    for e in errors.errors { print(e) }
                }
                throw ExitCode(1)
            }
        }
    }

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the JSON Schema (draft 2020-12) of steward.yml, for editors.",
            discussion: """
                Save it and point yaml-language-server at it with a first line like
                # yaml-language-server: $schema=./steward.schema.json
                """)

        func run() {
            print(ManifestJSONSchema.text(), terminator: "")
        }
    }
}
