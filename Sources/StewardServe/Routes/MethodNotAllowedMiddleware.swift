import Hummingbird

/// A request whose path exists but not with its method is answered 405 with `Allow` (Hummingbird's router answers
/// 404 for it), so a client learns it used the wrong method, not a wrong address. The paths and methods come from
/// the OpenAPI document, which a test holds equal to the router's.
struct MethodNotAllowedMiddleware<Context: RequestContext>: RouterMiddleware {
    /// `(segments, methods)`: a segment `{name}` matches any one segment.
    let table: [([String], [String])]

    init(operations: [String] = OpenAPIDocument.operations) {
        var methods: [String: [String]] = [:]
        for operation in operations {
            let parts = operation.split(separator: " ", maxSplits: 1).map(String.init)
            methods[parts[1], default: []].append(parts[0])
        }
        table = methods.map { path, verbs in (path.split(separator: "/").map(String.init), verbs.sorted()) }
    }

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as HTTPError where error.status == .notFound {
            guard let allowed = allowed(request.uri.path), !allowed.contains(request.method.rawValue) else { throw error }
            var methods = allowed
            if methods.contains("GET") { methods.append("HEAD") }
            throw APIError(.methodNotAllowed, "method_not_allowed", "\(request.method.rawValue) is not allowed here; use \(methods.joined(separator: ", "))",
                           headers: [.allow: methods.joined(separator: ", ")])
        }
    }

    func allowed(_ path: String) -> [String]? {
        let segments = path.split(separator: "/").map(String.init)
        for (pattern, methods) in table where pattern.count == segments.count {
            if zip(pattern, segments).allSatisfy({ $0.hasPrefix("{") || $0 == $1 }) { return methods }
        }
        return nil
    }
}
