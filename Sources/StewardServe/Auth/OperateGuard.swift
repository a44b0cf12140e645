import Foundation
import Hummingbird
import StewardCore
import StewardSystem
import Synchronization

/// In front of every operate route, before the scope is checked (so refusals are limited and audited too): a rate
/// limit per token, or per address without one (seed 002: 10 a minute), answered 429 with
/// `Retry-After`; and an audit entry per request of a valid token, refused or not, with its request id, identity,
/// address, route, the operation it started (from the answer's `Location`), status and duration (never the body);
/// requests without one go to the journal only.
struct OperateGuard: RouterMiddleware {
    typealias Context = ServeContext
    let limiter: RateLimiter
    let history: HistoryAccess?
    let now: @Sendable () -> Date

    func handle(_ request: Request, context: ServeContext, next: (Request, ServeContext) async throws -> Response) async throws -> Response {
        let started = ContinuousClock.now
        let outcome: Result<Response, any Error>
        let client = context.identity.map { "token:\($0.name)" } ?? "ip:\(context.remote ?? "local")"
        if case .limited(let wait) = limiter.take(client, now: now()) {
            outcome = .failure(APIError(.tooManyRequests, "rate_limited", "at most \(limiter.perMinute) operate requests a minute per client",
                                        headers: [.retryAfter: String(Int(wait.rounded(FloatingPointRoundingRule.up)))]))
        } else {
            do { outcome = .success(try await next(request, context)) } catch { outcome = .failure(error) }
        }
        let status: Int = switch outcome {
        case .success(let response): Int(response.status.code)
        case .failure(let error as APIError): Int(error.status.code)
        case .failure(let error as HTTPError): Int(error.status.code)
        case .failure: 500
        }
        let operationID = (try? outcome.get())?.headers[.location].flatMap { location in
            location.hasPrefix("/api/v1/operations/") ? location.split(separator: "/").last.map(String.init) : nil
        }
        let identity = context.identity?.name ?? "anonymous"
        let entry = APIAuditEntry(at: now(), requestID: context.id, identity: identity, remote: context.remote, method: request.method.rawValue,
                                  route: request.uri.path, operationID: operationID, status: status,
                                  durationMs: Int((ContinuousClock.now - started) / .milliseconds(1)))
        context.logger.info("api \(request.method.rawValue) \(request.uri.path) by \(identity): \(status)",
                            metadata: ["request_id": .string(context.id), "identity": .string(identity),
                                       "operation": .string(operationID ?? "")])
        // Written before the answer goes: an operate request the log does not hold never happened to the client.
        // Requests without a valid token only reach the journal: anyone can send them, and they start nothing.
        if let history, context.identity != nil {
            do { try await history.run { try $0.recordAudit(entry) } } catch {
                context.logger.error("history: cannot record the audit entry of request \(context.id): \(error)")
            }
        }
        return try outcome.get()
    }
}

/// ``RateLimitTable`` behind a mutex, with the time passed in.
final class RateLimiter: Sendable {
    let perMinute: Int
    private let table: Mutex<RateLimitTable>

    init(perMinute: Int = 10, burst: Int = 10) {
        self.perMinute = perMinute
        table = Mutex(RateLimitTable(capacity: burst, perMinute: perMinute))
    }

    func take(_ client: String, now: Date) -> RateDecision { table.withLock { $0.take(client, now: now) } }
}
