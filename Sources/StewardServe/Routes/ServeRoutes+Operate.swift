import Foundation
import Hummingbird
import StewardCore
import StewardOps
import StewardSystem

/// The operate routes (a token with `operate`; rate-limited and audited by ``OperateGuard``):
/// `POST /api/v1/checks/run {target?}` runs checks now and answers their results; `POST /api/v1/deploys`,
/// `/api/v1/rollbacks`, `/api/v1/backups`, `/api/v1/backups/{id}/verify` start the registry's operation and answer
/// 202 with its id (or, with `?wait=SECONDS` up to 300, the finished operation); `GET /api/v1/operations/{id}` and
/// `GET /api/v1/operations/{id}/events` (Server-Sent Events) follow it.
extension ServeRoutes {
    static func addOperateRoutes(_ api: RouterGroup<ServeContext>, _ operate: RouterGroup<ServeContext>, _ state: ServeRouteState) {
        operate.post("checks/run") { request, context -> Response in
            guard let runNow = state.runChecks else { throw APIError(.serviceUnavailable, "unavailable", "no scheduler") }
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let target = try OperateRoute.checksTarget(Data(buffer: body))
            let name = TargetName(target)
            var seen = Set<String>()
            let checks = state.live.snapshot().map(\.check).filter { seen.insert($0.key).inserted }.filter { check in
                name.map { $0.app == check.spec.app && ($0.instance == nil || $0.instance == check.spec.instance) } ?? true
            }
            guard !checks.isEmpty else { throw APIError(.notFound, "not_found", "no scheduled check of \(quoted(target ?? ""))") }
            let results = await runNow(checks)
            return JSONResponse.make(ServeDocuments.CheckRun(generatedAt: state.now(), checks: results.map { check, result in
                ServeDocuments.Check(check: check, result: result, at: state.now())
            }))
        }

        guard let operations = state.operations else { return }
        let routes: [(String, OperateRoute, String?)] = [
            ("deploys", .deploy(manifest: state.manifestPath), nil),
            ("rollbacks", .rollback(manifest: state.manifestPath), nil),
            ("backups", .backup(manifest: state.manifestPath), nil),
            ("backups/:id/verify", .verify(manifest: state.manifestPath), "id"),
        ]
        for (path, route, pathKey) in routes {
            operate.post(RouterPath(path)) { request, context -> Response in
                let identity = try context.requireIdentity()
                let body = try await request.body.collect(upTo: context.maxUploadSize)
                var fromPath: [String: JSONTree] = [:]
                if let pathKey {
                    let value = try context.parameters.require(pathKey)
                    guard let id = Int64(value), id > 0 else { throw APIError(.badRequest, "invalid_request", "\(pathKey): expected a positive integer") }
                    fromPath[pathKey] = .string(String(id))
                }
                let (data, target) = try route.request(body: Data(buffer: body), adding: fromPath)
                // Before anything starts: a bad `wait` must not leave a deploy running behind a 400.
                let wait = try waitSeconds(request)
                let id = try await operations.start(name: route.operation, request: data, target: target, identity: identity,
                                                    requestID: context.id)
                let links = ServeDocuments.Links(id: id)
                if let wait, let stream = operations.stream(id) {
                    _ = await OperationWait.until(stream, seconds: wait)
                    if let view = try await operations.view(id), !view.running {
                        var response = JSONResponse.make(ServeDocuments.Operation(view))
                        response.headers[.location] = links.selfLink
                        return response
                    }
                }
                var response = JSONResponse.make(ServeDocuments.Accepted(operationID: id, links: links), status: .accepted)
                response.headers[.location] = links.selfLink
                return response
            }
        }

        api.get("operations/:id") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let view = try await operations.view(id) else { throw APIError(.notFound, "not_found", "no operation \(quoted(id))") }
            return JSONResponse.make(ServeDocuments.Operation(view))
        }

        api.get("operations/:id/events") { _, context -> Response in
            let id = try context.parameters.require("id")
            guard let stream = operations.stream(id) else {
                throw APIError(.notFound, "not_found", "no operation \(quoted(id)) in memory; GET /api/v1/operations/\(id.prefix(40)) has its result")
            }
            return SSE.response(stream.map(SSE.frame))
        }
    }

    /// `?wait=SECONDS` (0 to 300).
    static func waitSeconds(_ request: Request) throws(APIError) -> Double? {
        guard let text = request.uri.queryParameters["wait"].map(String.init) else { return nil }
        let trimmed = text.hasSuffix("s") ? String(text.dropLast()) : text
        guard let seconds = Double(trimmed), seconds.isFinite, (0...300).contains(seconds) else {
            throw APIError(.badRequest, "invalid_request", "wait: expected seconds from 0 to 300, got \(quoted(text))")
        }
        return seconds
    }
}

extension OperateRoute {
    /// `POST /api/v1/checks/run`'s body: nothing, `{}` or `{"target": "APP"|"APP@INSTANCE"}`.
    static func checksTarget(_ body: Data) throws(APIError) -> String? {
        guard !body.isEmpty else { return nil }
        guard case .object(let given)? = try? JSONDecoder.steward.decode(JSONTree.self, from: body) else {
            throw APIError(.badRequest, "invalid_request", "the body must be a JSON object")
        }
        if let key = given.keys.sorted().first(where: { $0 != "target" }) {
            throw APIError(.badRequest, "invalid_request", "unknown key \"\(key.prefix(60))\"; this route takes target")
        }
        switch given["target"] {
        case nil, .null?: return nil
        case .string(let target)?: return target
        default: throw APIError(.badRequest, "invalid_request", "target: expected a string like marb or marb@prod")
        }
    }
}

/// Waits for an operation's result, at most `seconds`.
enum OperationWait {
    static func until(_ stream: AsyncStream<ServeOperations.StreamItem>, seconds: Double) async -> Bool {
        await withTaskGroup(of: Bool.self) { group in
            group.addTask {
                for await item in stream { if case .result = item { return true } }
                return false
            }
            group.addTask {
                try? await Task.sleep(for: .milliseconds(Int(seconds * 1000)))
                return false
            }
            let first = await group.next() ?? false
            group.cancelAll()
            return first
        }
    }
}
