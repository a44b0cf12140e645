import ArgumentParser
import Foundation
import StewardCore
import StewardOps
import StewardSystem

/// `steward serve token add|list|revoke`: the API's bearer tokens (``ServeTokenOperation``).
struct ServeTokenCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "token", abstract: "Add, list or revoke the API's bearer tokens.",
        discussion: """
            Tokens live in serve.tokens (default /etc/steward/tokens, root's, mode 0600) as their SHA-256 only. \
            A new token is printed once; keep it where its client reads it (a CI secret, a root-only env file). \
            Scopes: read (status, checks, history, findings, deploys, backups) and operate (read, plus running \
            checks, backups, deploys and rollbacks, acknowledging and silencing alerts).
            """,
        subcommands: [Add.self, List.self, Revoke.self])

    struct Common: ParsableArguments {
        @Option(help: "The manifest whose serve.tokens names the file (default: ./steward.yml, else /etc/steward/steward.yml).")
        var manifest: String?

        @Option(help: "The token file, instead of the manifest's serve.tokens.")
        var file: String?

        @Option(help: "Steward's state database (where the change is recorded).")
        var state: String = StateStore.defaultPath

        @Option(help: "Output format: text or json.")
        var format: OutputFormat = .text

        /// `--manifest` and `--state` as given: `steward serve` declares both too, and the parser hands an option
        /// that two commands of the path share to the outer one, so `serve token add --manifest M` would otherwise
        /// edit /etc/steward/tokens and record in the default state database instead of M's.
        func resolved(_ serve: ServeCommand) -> Common {
            var c = self
            c.manifest = manifest ?? serve.manifest
            if state == StateStore.defaultPath { c.state = serve.state }
            return c
        }
    }

    struct Add: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "add", abstract: "Make a token and print it once.")

        @Argument(help: "The token's name, as the audit log shows it (a-z, 0-9, '.', '_', '-').")
        var name: String

        @Option(help: "read, operate, or read,operate (operate includes read).")
        var scope: String = "read"

        @Flag(help: "Check the name and the file; write nothing and make no token.")
        var dryRun = false

        @OptionGroup var given: Common
        @ParentCommand var serve: ServeCommand
        var common: Common { given.resolved(serve) }

        func run() async throws {
            guard case .success(let scopes) = TokenScope.parseList(scope) else {
                throw ValidationError("--scope: expected read, operate or read,operate, got \"\(scope.prefix(40))\"")
            }
            let output = try await ServeTokenCommand.run(.init(action: .add, name: name, scopes: scopes, manifest: common.manifest,
                                                               file: common.file, dryRun: dryRun), common)
            if common.format == .json { return OperationCLI.printJSON(output) }
            if let token = output.token {
                print("""
                    token \(name) (\(TokenScope.format(scopes))) added to \(output.file).
                    Shown this once; Steward keeps only its SHA-256:

                    \(token)

                    Use it as: curl -H "Authorization: Bearer $TOKEN" http://127.0.0.1:8470/api/v1/status
                    """)
            } else {
                print("would add token \(name) (\(TokenScope.format(scopes))) to \(output.file); nothing written")
            }
        }
    }

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "List the tokens' names, scopes and dates (never the tokens).")

        @OptionGroup var given: Common
        @ParentCommand var serve: ServeCommand
        var common: Common { given.resolved(serve) }

        func run() async throws {
            let output = try await ServeTokenCommand.run(.init(action: .list, manifest: common.manifest, file: common.file), common)
            if common.format == .json { return OperationCLI.printJSON(output) }
            if output.tokens.isEmpty { return print("no tokens in \(output.file)") }
            let width = max(4, output.tokens.map(\.name.count).max() ?? 0)
            print("NAME".padding(toLength: width, withPad: " ", startingAt: 0) + "  SCOPES        CREATED")
            for token in output.tokens {
                let scopes = token.scopes.map(\.rawValue).joined(separator: ",")
                print(token.name.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                      + scopes.padding(toLength: 12, withPad: " ", startingAt: 0) + "  " + Timestamp.iso(token.created))
            }
        }
    }

    struct Revoke: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "revoke", abstract: "Remove a token; the daemon refuses it within a second.")

        @Argument(help: "The token's name.")
        var name: String

        @Flag(help: "Check that the token exists; write nothing.")
        var dryRun = false

        @OptionGroup var given: Common
        @ParentCommand var serve: ServeCommand
        var common: Common { given.resolved(serve) }

        func run() async throws {
            let output = try await ServeTokenCommand.run(.init(action: .revoke, name: name, manifest: common.manifest, file: common.file,
                                                               dryRun: dryRun), common)
            if common.format == .json { return OperationCLI.printJSON(output) }
            print(dryRun ? "would revoke token \(name) in \(output.file); nothing written" : "token \(name) revoked in \(output.file)")
        }
    }

    static func run(_ request: ServeTokenOperation.Request, _ common: Common) async throws -> ServeTokenOperation.Output {
        try await OperationCLI.run(ServeTokenOperation.self, request, statePath: common.state, json: common.format == .json)
    }
}
