import Foundation
import Hummingbird
import HummingbirdTesting
@testable import StewardServe
import Testing

/// The OpenAPI document describes exactly the routes the router has (a route added without its description, or a
/// description of a route that is gone, fails here), is served without a token, and every operation that needs a
/// token says so.
extension ServeRoutesTests {
    @Test func theDocumentDescribesEveryRouteAndNoOther() throws {
        let router = ServeRoutes.router(try operateFixture().state)
        let all = router.routes.map { route in
            let path = route.path.description.split(separator: "/").map { $0.hasPrefix(":") ? "{\($0.dropFirst())}" : String($0) }
            return "\(route.method.rawValue) /" + path.joined(separator: "/")
        }
        // The API: everything under /api/v1, and /healthz and /metrics. The dashboard's pages are not API routes.
        let routed = all.filter { operation in
            let path = operation.split(separator: " ")[1]
            return path.hasPrefix("/api/v1/") || path == "/healthz" || path == "/metrics"
        }.sorted()
        #expect(routed == OpenAPIDocument.operations)
        #expect(routed.count == 24)
        // And every other route is the dashboard's: none of them hides under the API's prefixes.
        let dashboard = Set(all).subtracting(routed)
        #expect(dashboard.allSatisfy { !$0.contains("/api/") }, "\(dashboard.sorted())")
        #expect(dashboard.contains("GET /") && dashboard.contains("POST /login") && dashboard.contains("POST /alerts/{id}/ack"),
                "\(dashboard.sorted())")
    }

    @Test func theDocumentIsServedWithoutATokenAndMarksWhatNeedsOne() async throws {
        try await withApp(try operateFixture()) { client in
            let response = try await client.execute(uri: "/api/v1/openapi.json", method: .get)
            #expect(response.status == .ok)
            let document = try Self.json(response)
            #expect(document["openapi"] as? String == "3.0.3")
            let paths = try #require(document["paths"] as? [String: [String: [String: Any]]])
            for (path, methods) in paths {
                for (method, operation) in methods {
                    let security = operation["security"] as? [[String: [String]]] ?? []
                    let open = ["/healthz", "/metrics", "/api/v1/openapi.json"].contains(path)
                    #expect(security.isEmpty == open, "\(method) \(path)")
                    let responses = operation["responses"] as? [String: Any] ?? [:]
                    if !open { #expect(responses["401"] != nil, "\(method) \(path) documents 401") }
                    if method == "post" || method == "delete" { #expect(responses["403"] != nil && responses["429"] != nil, "\(method) \(path)") }
                }
            }
        }
    }
}
