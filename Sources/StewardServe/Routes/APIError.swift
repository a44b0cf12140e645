import Foundation
import Hummingbird
import StewardOps

/// An API error: its HTTP status and a stable code; rendered as `steward.serve.error/1`.
public struct APIError: Error, Sendable {
    public var status: HTTPResponse.Status
    public var code: String
    public var message: String

    /// Extra headers (`WWW-Authenticate`, `Retry-After`).
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, _ code: String, _ message: String, headers: HTTPFields = [:]) {
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers
    }

    /// 401 with the challenge RFC 6750 asks for.
    static func unauthorized(_ message: String) -> APIError {
        APIError(.unauthorized, "unauthorized", message, headers: [.wwwAuthenticate: "Bearer realm=\"steward\""])
    }

    struct Document: Encodable {
        var schema = "steward.serve.error/1"
        var error: Body
        struct Body: Encodable {
            var code: String
            var message: String
        }
    }

    var response: Response {
        var response = JSONResponse.make(Document(error: .init(code: code, message: message)), status: status)
        response.headers.append(contentsOf: headers)
        return response
    }
}

/// Turns everything a route throws into JSON with a code: our own errors as they are, Hummingbird's (a 404 for an
/// unknown path, a 405) by their status, anything else as a 500 whose detail goes to the log and never to the client.
struct ErrorJSONMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return error.response
        } catch let error as HTTPError {
            let code = switch error.status.code {
            case 404: "not_found"
            case 405: "method_not_allowed"
            case 400..<500: "invalid_request"
            default: "internal"
            }
            return APIError(error.status, code, error.body ?? error.status.reasonPhrase).response
        } catch {
            context.logger.error("request \(request.method) \(request.uri.path) failed: \(error)")
            return APIError(.internalServerError, "internal", "internal error").response
        }
    }
}

enum JSONResponse {
    static func make<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) -> Response {
        make(body: body(value), status: status)
    }

    /// The encoded value and a newline: what ``make(_:status:)`` answers, for a ``DocumentCache`` to keep.
    static func body<T: Encodable>(_ value: T) -> ByteBuffer {
        var data = (try? JSONEncoder.stewardLine.encode(value)) ?? Data("{}".utf8)
        data.append(0x0A)
        return ByteBuffer(bytes: data)
    }

    static func make(body: ByteBuffer, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "application/json; charset=utf-8"], body: ResponseBody(byteBuffer: body))
    }
}
