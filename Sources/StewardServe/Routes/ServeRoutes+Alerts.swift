import Foundation
import Hummingbird
import StewardCore
import StewardOps
import StewardSystem

/// The alert routes: `GET /api/v1/alerts?state=open|all`, `GET /api/v1/alerts/{id}` (with its deliveries),
/// `GET /api/v1/silences` (read); `POST /api/v1/alerts/{id}/ack`, `POST /api/v1/silences`,
/// `DELETE /api/v1/silences/{id}` (operate: rate-limited and audited like every change). Acknowledgements go through
/// the engine (it tells the channels); silences are written to the history and the engine re-reads them at once.
extension ServeRoutes {
    static func addAlertRoutes(_ api: RouterGroup<ServeContext>, _ operate: RouterGroup<ServeContext>, _ state: ServeRouteState) {
        api.get("alerts") { request, _ -> Response in
            let which = request.uri.queryParameters["state"].map(String.init) ?? "open"
            guard which == "open" || which == "all" else {
                throw APIError(.badRequest, "invalid_request", "state: expected open or all, got \(quoted(which))")
            }
            let history = try requireHistory(state)
            let records = try await history.run { which == "open" ? try $0.openAlerts() : try $0.recentAlerts() }
            return JSONResponse.make(ServeDocuments.Alerts(generatedAt: state.now(), state: which, alerts: records.map {
                ServeDocuments.Alert($0, silenced: state.alerts?.silenceReason(for: $0))
            }))
        }

        api.get("alerts/:id") { _, context -> Response in
            let id = try positiveID(context, "id")
            let history = try requireHistory(state)
            let found = try await history.run { store -> (AlertRecord, [ServeDocuments.Alert.Delivery])? in
                guard let record = try store.alert(id: id) else { return nil }
                return (record, try store.deliveries(alertID: id).map {
                    ServeDocuments.Alert.Delivery(channel: $0.channel, notice: $0.notice, at: $0.at, ok: $0.ok, detail: $0.detail)
                })
            }
            guard let (record, deliveries) = found else { throw APIError(.notFound, "not_found", "no alert \(id)") }
            return JSONResponse.make(ServeDocuments.Alert(record, silenced: state.alerts?.silenceReason(for: record), deliveries: deliveries))
        }

        api.get("silences") { _, _ -> Response in
            let history = try requireHistory(state)
            let now = state.now()
            let silences = try await history.run { try $0.silences(notEndedAt: now) }
            return JSONResponse.make(ServeDocuments.Silences(generatedAt: now, silences: silences.map(ServeDocuments.Silence.init)))
        }

        operate.post("alerts/:id/ack") { request, context -> Response in
            let identity = try context.requireIdentity()
            let id = try positiveID(context, "id")
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            _ = try AlertsRequestBody.object(Data(buffer: body), allowed: [])
            guard let engine = state.alerts else { throw APIError(.serviceUnavailable, "unavailable", "the alert engine is not running") }
            switch await engine.acknowledge(id: id, by: "api:\(identity.name)") {
            case .success(let record):
                return JSONResponse.make(ServeDocuments.Alert(record, silenced: engine.silenceReason(for: record)))
            case .failure(.notFiring(let phase)):
                throw APIError(.conflict, "not_firing", "alert \(id) is \(phase.rawValue); only a firing alert can be acknowledged")
            case .failure(.unavailable):
                throw APIError(.serviceUnavailable, "unavailable", "the alert engine is stopping; nothing changed")
            case .failure(.notFound):
                // Resolved alerts are not tracked: say so rather than "no such alert".
                let history = try requireHistory(state)
                guard let record = try await history.run({ try $0.alert(id: id) }) else { throw APIError(.notFound, "not_found", "no alert \(id)") }
                guard record.state.phase != .firing else {
                    throw APIError(.serviceUnavailable, "unavailable", "alert \(id) is not tracked by the engine yet; try again")
                }
                throw APIError(.conflict, "not_firing", "alert \(id) is \(record.state.phase.rawValue); only a firing alert can be acknowledged")
            }
        }

        operate.post("silences") { request, context -> Response in
            let identity = try context.requireIdentity()
            let body = try await request.body.collect(upTo: context.maxUploadSize)
            let fields = try AlertsRequestBody.object(Data(buffer: body), allowed: ["target", "subject", "duration", "reason"])
            let draft = SilenceDraft(target: try AlertsRequestBody.string(fields, "target"), subject: try AlertsRequestBody.string(fields, "subject"),
                                     duration: try AlertsRequestBody.string(fields, "duration") ?? "",
                                     reason: try AlertsRequestBody.string(fields, "reason") ?? "")
            var silence: SilenceRecord
            do throws(SilenceDraft.Refusal) { silence = try draft.silence(by: "api:\(identity.name)", now: state.now()) } catch {
                throw APIError(.badRequest, "invalid_request", error.description)
            }
            let history = try requireHistory(state)
            let record = silence
            silence.id = try await history.run { try $0.addSilence(record) }
            state.alerts?.silencesChanged()
            var response = JSONResponse.make(ServeDocuments.Silence(silence), status: .created)
            response.headers[.location] = "/api/v1/silences/\(silence.id ?? 0)"
            return response
        }

        operate.delete("silences/:id") { _, context -> Response in
            _ = try context.requireIdentity()
            let id = try positiveID(context, "id")
            let history = try requireHistory(state)
            let now = state.now()
            guard try await history.run({ try $0.endSilence(id: id, at: now) }) else {
                throw APIError(.notFound, "not_found", "no silence \(id) in force")
            }
            state.alerts?.silencesChanged()
            return Response(status: .noContent)
        }
    }

    static func positiveID(_ context: ServeContext, _ name: String) throws -> Int64 {
        let value = try context.parameters.require(name)
        guard let id = Int64(value), id > 0 else { throw APIError(.badRequest, "invalid_request", "\(name): expected a positive integer") }
        return id
    }
}

/// The small JSON bodies of the alert routes: an object with only the listed keys, each a string or null.
enum AlertsRequestBody {
    static func object(_ body: Data, allowed: Set<String>) throws(APIError) -> [String: JSONTree] {
        guard !body.isEmpty else { return [:] }
        guard case .object(let given)? = try? JSONDecoder.steward.decode(JSONTree.self, from: body) else {
            throw APIError(.badRequest, "invalid_request", "the body must be a JSON object")
        }
        if let key = given.keys.sorted().first(where: { !allowed.contains($0) }) {
            let takes = allowed.isEmpty ? "this route takes no key" : "this route takes \(allowed.sorted().joined(separator: ", "))"
            throw APIError(.badRequest, "invalid_request", "unknown key \"\(key.prefix(60))\"; \(takes)")
        }
        return given
    }

    static func string(_ fields: [String: JSONTree], _ key: String) throws(APIError) -> String? {
        switch fields[key] {
        case nil: return nil
        case .string(let text)?: return text
        default: throw APIError(.badRequest, "invalid_request", "\(key): expected a string (leave it out for none)")
        }
    }
}
