import ArgumentParser
import Foundation
import StewardCore

struct ManifestCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "manifest", abstract: "Work with steward.yml.", subcommands: [Check.self])

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a manifest; print each error as file:line:column: path: message.")

        @Argument(help: "The manifest file.")
        var file: String

        func run() throws {
            guard let text = try? String(contentsOfFile: file, encoding: .utf8) else {
                Self.fail("\(file): cannot read the file")
            }
            switch ManifestParser.parse(text, file: file) {
            case .success(let m):
                print("\(file): ok (\(m.apps.count) app(s), \(m.apps.reduce(0) { $0 + $1.instances.count }) instance(s), \(m.silences.count) silence(s))")
            case .failure(let errors):
                for e in errors.errors { print(e) }
                throw ExitCode(1)
            }
        }
    }
}
