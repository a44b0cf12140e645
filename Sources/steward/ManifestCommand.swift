import ArgumentParser
import Foundation
import StewardCore

struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest", abstract: "Work with steward.yml.", subcommands: [Check.self, Schema.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "check", 
            abstract: "Validate a manifest; print each error as file:line:column: path: message.")

        @Argument(help: "The manifest file (an inventory file with --inventory).")
        var file: String

        @Flag(help: "The file is an inventory of hosts (version and hosts: alone), as --hosts commands read it.")
        var inventory = false

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
            var hosts = 0
            var errors: [String] = []
        }

        func run() throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                Self.fail("\(file): cannot read the file")
            }
            if inventory {
                switch InventoryParser.parse(text, file: file) {
                case .success(let fleet):
                    if format == .json {
                        OperationCLI.printJSON(Document(file: file, valid: true, hosts: fleet.hosts.count))
                    } else {
                        print("\(file): ok (\(fleet.hosts.count) host(s) in \(fleet.groups.count) group(s))")
                    }
                    return
                case .failure(let errors):
                    report(errors)
                }
            }
            switch ManifestParser.parse(text, file: file) {
            case .success(let m):
                let instances = m.apps.reduce(0) { $0 + $1.instances.count }
                if format == .json {
                    OperationCLI.printJSON(Document(file: file, valid: true, apps: m.apps.count, instances: instances, silences: m.silences.count,
                                                    hosts: m.hosts.count))
                } else {
                    let hosts = m.hosts.isEmpty ? "" : ", \(m.hosts.count) host(s)"
                    print("\(file): ok (\(m.apps.count) app(s), \(instances) instance(s), \(m.silences.count) silence(s)\(hosts))")
                }
            case .failure(let errors):
                report(errors)
            }
        }

        func report(_ errors: ManifestErrors) -> Never {
            if format == .json {
                OperationCLI.printJSON(Document(file: file, valid: false, errors: errors.errors.map { "\($0)" }))
            } else {
                for e in errors.errors { print(e) }
            }
            Self.exit(withError: ExitCode(1))
        }
    }

    struct Schema: ParsableCommand {
        static let configuration = CommandConfiguration(commandName: "schema", 
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
