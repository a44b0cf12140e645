import Foundation
import StewardOps

/// What an operate route accepts and what the daemon adds. A client's JSON is never passed on as it came: it could
/// name `manifest`, `store`, `steward` or `unitDirectory`, paths that decide what runs as root. Each route lists the
/// keys a client may send; the daemon adds its own manifest path, and values taken from the URL.
struct OperateRoute: Sendable {
    /// A key of ``OperationRegistry/all``.
    let operation: String
    let allowed: Set<String>
    /// Added after the client's keys (so a client cannot set them): the daemon's manifest, fixed reasons.
    let injected: [String: JSONTree]
    /// What an absent key means (the request types decode their flags as required keys).
    var defaults: [String: JSONTree] = [:]

    static func deploy(manifest: String?) -> OperateRoute {
        OperateRoute(operation: DeployOperation.name,
                     allowed: ["target", "ref", "resume", "abort", "dryRun", "allowUntagged", "force", "reason"],
                     injected: manifestKey(manifest))
    }

    static func rollback(manifest: String?) -> OperateRoute {
        OperateRoute(operation: RollbackOperation.name, allowed: ["target", "to", "restoreDb", "keepDb", "dryRun"],
                     injected: manifestKey(manifest))
    }

    static func backup(manifest: String?) -> OperateRoute {
        OperateRoute(operation: BackupOperation.name, allowed: ["target", "verify"],
                     injected: manifestKey(manifest).merging(["reason": .string("manual")]) { a, _ in a }, defaults: ["verify": .bool(false)])
    }

    static func verify(manifest: String?) -> OperateRoute {
        OperateRoute(operation: VerifyOperation.name, allowed: ["quick"], injected: manifestKey(manifest).merging(["latest": .bool(false)]) { a, _ in a },
                     defaults: ["quick": .bool(false)])
    }

    static func manifestKey(_ path: String?) -> [String: JSONTree] { path.map { ["manifest": .string($0)] } ?? [:] }

    /// The request the operation gets: the body's allowed keys, then the route's values and the injected ones.
    /// A key the route does not allow is refused by name (never silently dropped: a misspelt `dryRun` must not deploy).
    func request(body: Data, adding fromPath: [String: JSONTree] = [:]) throws(APIError) -> (data: Data, target: String?) {
        var fields: [String: JSONTree] = [:]
        if !body.isEmpty {
            guard case .object(let given)? = try? JSONDecoder.steward.decode(JSONTree.self, from: body) else {
                throw APIError(.badRequest, "invalid_request", "the body must be a JSON object")
            }
            if let key = given.keys.sorted().first(where: { !allowed.contains($0) }) {
                throw APIError(.badRequest, "invalid_request",
                               "unknown key \"\(key.prefix(60))\"; this route takes \(allowed.sorted().joined(separator: ", "))")
            }
            fields = given
        }
        fields.merge(defaults) { given, _ in given }
        fields.merge(fromPath) { _, path in path }
        fields.merge(injected) { _, daemon in daemon }
        // Never fall back to a request without the daemon's own keys.
        guard let data = try? JSONEncoder.stewardLine.encode(JSONTree.object(fields)) else {
            throw APIError(.internalServerError, "internal", "cannot encode the request")
        }
        if case .string(let target)? = fields["target"] { return (data, target) }
        return (data, nil)
    }
}
