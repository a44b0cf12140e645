import Foundation
import StewardCore
@testable import StewardOps
import StewardSystem
import Testing

/// `steward serve token`: a token is returned once and only its hash is written (0600); list never shows hashes;
/// revoke removes the line; dry runs write nothing; every change is recorded in the state database; the file is
/// the manifest's `serve.tokens` unless one is given.
@Suite struct ServeTokenOperationTests {
    /// A context per call, as each CLI run is its own operation (its own id, so its own lease row).
    static func host(_ scratch: OpsScratch) -> HostContext {
        HostContext(statePath: scratch.path + "/state/state.db", identity: OperationIdentity(operatorName: "tester", host: "test-host"),
                    logger: OpsScratch.quietLogger)
    }

    @Test func addListRevoke() async throws {
        let scratch = try OpsScratch()
        let file = scratch.path + "/etc/tokens"
                let added = try await ServeTokenOperation.run(.init(action: .add, name: "ci-deploy", scopes: [.operate], file: file), on: Self.host(scratch))
        let token = try #require(added.token)
        #expect(added.schema == "steward.serve-tokens/1" && added.tokens.map(\.name) == ["ci-deploy"])
        let text = try String(contentsOfFile: file, encoding: .utf8)
        #expect(!text.contains(token) && text.contains("ci-deploy operate sha256:\(TokenSecret.digestHex(token)) "))
        var st = stat()
        #expect(stat(file, &st) == 0 && st.st_mode & 0o777 == 0o600)
        #expect(TokenStore(path: file).verify(token) == .granted(name: "ci-deploy", scopes: [.operate]))

        _ = try await ServeTokenOperation.run(.init(action: .add, name: "grafana", scopes: [.read], file: file), on: Self.host(scratch))
        let listed = try await ServeTokenOperation.run(.init(action: .list, file: file), on: Self.host(scratch))
        #expect(listed.tokens.map(\.name) == ["ci-deploy", "grafana"] && listed.token == nil)
        #expect(listed.tokens.map(\.scopes) == [[.operate], [.read]])

        _ = try await ServeTokenOperation.run(.init(action: .revoke, name: "ci-deploy", file: file), on: Self.host(scratch))
        #expect(TokenStore(path: file).verify(token) == .denied)
        #expect(try TokenFileIO.entries(file).map(\.name) == ["grafana"])

        let events = try StateStore(path: scratch.path + "/state/state.db").events(kind: "serve.token")
        #expect(events.map(\.subject) == ["ci-deploy", "grafana", "ci-deploy"])
        #expect(events.map(\.result) == ["added", "added", "revoked"])
        #expect(events[0].detail == "scopes operate, by tester")
        #expect(!events.contains { $0.detail.contains("stw_") })
    }

    @Test func dryRunsAndRefusalsWriteNothing() async throws {
        let scratch = try OpsScratch()
        let file = scratch.path + "/etc/tokens"
                let dry = try await ServeTokenOperation.run(.init(action: .add, name: "ci", scopes: [.read], file: file, dryRun: true), on: Self.host(scratch))
        #expect(dry.token == nil && dry.dryRun)
        #expect(!FileManager.default.fileExists(atPath: file))

        _ = try await ServeTokenOperation.run(.init(action: .add, name: "ci", scopes: [.read], file: file), on: Self.host(scratch))
        let before = try String(contentsOfFile: file, encoding: .utf8)
        let cases: [(ServeTokenOperation.Request, OperationError.Code, String)] = [
            (.init(action: .add, name: "ci", file: file), .refused, "a token named ci exists"),
            (.init(action: .add, name: "Bad Name", file: file), .invalidRequest, #"name: expected 1 to 64 of a-z, 0-9, '.', '_', '-' (not starting with '.' or '-'), got "Bad Name""#),
            (.init(action: .add, name: "x", scopes: [], file: file), .invalidRequest, "scopes: expected read, operate or both"),
            (.init(action: .revoke, name: "nobody", file: file), .notFound, "no token named nobody in \(file)"),
            (.init(action: .add, name: "x", file: "relative/tokens"), .invalidRequest, #"file: expected an absolute path, got "relative/tokens""#),
        ]
        for (request, code, message) in cases {
            let error = await #expect(throws: OperationError.self) { try await ServeTokenOperation.run(request, on: Self.host(scratch)) }
            #expect(error?.code == code && error?.message == message, "\(String(describing: error))")
        }
        _ = try await ServeTokenOperation.run(.init(action: .revoke, name: "ci", file: file, dryRun: true), on: Self.host(scratch))
        #expect(try String(contentsOfFile: file, encoding: .utf8) == before)
    }

    @Test func theFileIsTheManifestsServeTokens() async throws {
        let scratch = try OpsScratch()
        let file = scratch.path + "/custom/tokens"
        let manifest = try scratch.file("steward.yml", "version: 1\nserve: {tokens: \(file)}\n")
        let added = try await ServeTokenOperation.run(.init(action: .add, name: "ci", manifest: manifest), on: Self.host(scratch))
        #expect(added.file == file && FileManager.default.fileExists(atPath: file))
        let bad = try scratch.file("bad.yml", "serve: {tokens: relative}\n")
        let error = await #expect(throws: OperationError.self) {
            try await ServeTokenOperation.run(.init(action: .list, manifest: bad), on: Self.host(scratch))
        }
        #expect(error?.code == .invalidConfig)
    }

    @Test func aFileOthersCanReadIsNotEditedButNamed() async throws {
        let scratch = try OpsScratch()
        let file = scratch.path + "/tokens"
        _ = try await ServeTokenOperation.run(.init(action: .add, name: "ci", file: file), on: Self.host(scratch))
        #expect(chmod(file, 0o644) == 0)
        let error = await #expect(throws: OperationError.self) {
            try await ServeTokenOperation.run(.init(action: .add, name: "other", file: file), on: Self.host(scratch))
        }
        #expect(error?.code == .invalidConfig && error?.message.contains("chmod 0600") == true)
    }
}
