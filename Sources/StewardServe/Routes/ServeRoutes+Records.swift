import Foundation
import Hummingbird
import StewardCore
import StewardSystem

/// The routes over what the history keeps besides check results: findings of the audits, and the deploys and
/// backups mirrored from the state database.
extension ServeRoutes {
    static func addRecordRoutes(_ api: RouterGroup<ServeContext>, _ state: ServeRouteState) {
        api.get("findings") { request, _ -> Response in
            let which = request.uri.queryParameters["state"].map(String.init) ?? "open"
            guard which == "open" || which == "all" else {
                throw APIError(.badRequest, "invalid_request", "state: expected open or all, got \(quoted(which))")
            }
            let history = try requireHistory(state)
            let findings = try await history.run { store in
                which == "open" ? try store.openFindings() : try store.allFindings()
            }
            return JSONResponse.make(ServeDocuments.Findings(generatedAt: state.now(), state: which,
                                                             findings: findings.map(ServeDocuments.Finding.init)))
        }

        api.get("deploys") { request, _ -> Response in
            let query = request.uri.queryParameters
            let now = state.now()
            let to = try query["to"].map { try HistoryQuery.time(String($0), "to") } ?? now
            let from = try query["from"].map { try HistoryQuery.time(String($0), "from") } ?? to.addingTimeInterval(-90 * 86_400)
            guard from < to else { throw APIError(.badRequest, "invalid_request", "from must be before to") }
            let app = query["app"].map(String.init), instance = query["instance"].map(String.init)
            let history = try requireHistory(state)
            let deploys = try await history.run { try $0.deploys(app: app, instance: instance, from: from, to: to) }
            return JSONResponse.make(ServeDocuments.Deploys(generatedAt: now, deploys: deploys.reversed().map(ServeDocuments.Deploy.init)))
        }

        api.get("backups") { request, _ -> Response in
            let query = request.uri.queryParameters
            let app = query["app"].map(String.init), instance = query["instance"].map(String.init)
            let history = try requireHistory(state)
            let backups = try await history.run { try $0.backups(app: app, instance: instance) }
            return JSONResponse.make(ServeDocuments.Backups(generatedAt: state.now(), backups: backups.map(ServeDocuments.Backup.init)))
        }
    }

    static func requireHistory(_ state: ServeRouteState) throws(APIError) -> HistoryAccess {
        guard let history = state.history else { throw APIError(.serviceUnavailable, "unavailable", "no history") }
        return history
    }
}
