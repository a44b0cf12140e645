import Foundation
import StewardCore
import StewardSystem

/// `steward serve token add|list|revoke`: the daemon's API tokens, in the file `serve.tokens` names. A new token is
/// returned once, in the output of `add`, and only its SHA-256 is written; nothing else ever shows it again.
/// Not in the operation registry: neither the agent nor the API may mint tokens (that would turn `operate` into
/// anything), so this runs only from a root shell.
public enum ServeTokenOperation: StewardOperation {
    public static let name = "serve.token"

    public enum Action: String, Codable, Sendable { case add, list, revoke }

    public struct Request: Codable, Sendable {
        public var action: Action
        public var name: String?
        public var scopes: Set<TokenScope>
        public var manifest: String?
        /// The token file instead of the manifest's `serve.tokens`.
        public var file: String?
        public var dryRun: Bool

        public init(action: Action, name: String? = nil, scopes: Set<TokenScope> = [.read], manifest: String? = nil,
                    file: String? = nil, dryRun: Bool = false) {
            self.action = action
            self.name = name
            self.scopes = scopes
            self.manifest = manifest
            self.file = file
            self.dryRun = dryRun
        }
    }

    /// One token as listed: never its hash.
    public struct Listed: Codable, Sendable, Equatable {
        public var name: String
        public var scopes: [TokenScope]
        public var created: Date
    }

    /// `steward.serve-tokens/1`.
    public struct Output: OperationOutput {
        public var schema = "steward.serve-tokens/1"
        public var action: Action
        public var file: String
        public var dryRun: Bool
        public var tokens: [Listed]
        /// The new token (`add`, not a dry run): shown once, to the operator who asked for it.
        public var token: String?
        public var exitCode: Int32 { 0 }
    }

    public static func run(_ request: Request, on host: HostContext) async throws(OperationError) -> Output {
        let file = try tokenFile(request, host: host)
        let path = host.files.path(file)
        var entries: [TokenEntry]
        do { entries = try TokenFileIO.entries(path) } catch {
            throw OperationError(.invalidConfig, "\(error)", hint: "fix or remove the file, then run this again", subject: file)
        }
        func output(_ token: String? = nil) -> Output {
            Output(action: request.action, file: file, dryRun: request.dryRun,
                   tokens: entries.map { Listed(name: $0.name, scopes: $0.scopes.sorted(), created: $0.created) }, token: token)
        }
        if request.action == .list { return output() }

        guard let name = request.name, TokenEntry.isValidName(name) else {
            throw OperationError(.invalidRequest, "name: expected 1 to 64 of a-z, 0-9, '.', '_', '-' (not starting with '.' or '-'), got \"\((request.name ?? "").prefix(64))\"")
        }
        var token: String?
        switch request.action {
        case .list: break
        case .add:
            guard !request.scopes.isEmpty else { throw OperationError(.invalidRequest, "scopes: expected read, operate or both") }
            guard !entries.contains(where: { $0.name == name }) else {
                throw OperationError(.refused, "a token named \(name) exists", hint: "revoke it first, or choose another name", subject: name)
            }
            guard entries.count < TokenFile.maxTokens else { throw OperationError(.refused, "the file has \(TokenFile.maxTokens) tokens already") }
            let secret = TokenSecret.generate()
            entries.append(TokenEntry(name: name, scopes: request.scopes, sha256: TokenSecret.digestHex(secret), created: host.clock.now()))
            token = request.dryRun ? nil : secret
        case .revoke:
            guard entries.contains(where: { $0.name == name }) else {
                throw OperationError(.notFound, "no token named \(name) in \(file)", subject: name)
            }
            entries.removeAll { $0.name == name }
        }
        if request.dryRun { return output() }

        let state = try host.openState()
        let stateDirectory = (host.statePath as NSString).deletingLastPathComponent
        try await host.leased(Self.name, subject: name, state: state) { () async throws(OperationError) in
            // One writer at a time: two `add`s at once would each write the file without the other's line.
            let lock: InstanceLock
            do { lock = try InstanceLock(stateDirectory: stateDirectory, instance: "serve-tokens", purpose: "steward serve token \(request.action.rawValue)") } catch {
                throw OperationError(.busy, "\(error)")
            }
            defer { withExtendedLifetime(lock) {} }
            // Re-read under the lock, then apply the one change to what is there now.
            var current: [TokenEntry]
            do { current = try TokenFileIO.entries(path) } catch { throw OperationError(.invalidConfig, "\(error)", subject: file) }
            switch request.action {
            case .add:
                guard !current.contains(where: { $0.name == name }) else { throw OperationError(.refused, "a token named \(name) exists", subject: name) }
                current.append(entries.last!)
            case .revoke: current.removeAll { $0.name == name }
            case .list: break
            }
            do { try TokenFileIO.write(current, to: path) } catch {
                throw OperationError(.failed, "cannot write \(file): \(error)", subject: file)
            }
            entries = current
        }
        let what = request.action == .add ? "added" : "revoked"
        let scopes = request.action == .add ? "scopes \(TokenScope.format(request.scopes)), " : ""
        state.event(Self.name, subject: name, result: what, detail: "\(scopes)by \(host.identity.operatorName)")
        return output(token)
    }

    /// The token file: the request's, else the manifest's `serve.tokens`, else the default; absolute either way.
    static func tokenFile(_ request: Request, host: HostContext) throws(OperationError) -> String {
        if let file = request.file {
            guard file.hasPrefix("/") else { throw OperationError(.invalidRequest, "file: expected an absolute path, got \"\(file.prefix(80))\"") }
            return file
        }
        // The daemon reads the manifest's choice; an invalid manifest stops here rather than edit another file.
        return try ManifestSource.load(explicit: request.manifest, host: host).manifest.serve?.tokens ?? ServeSpec.defaults.tokens
    }
}
