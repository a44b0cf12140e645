import Foundation
import StewardCore
@testable import StewardSystem
import Testing

/// An HTTP check against a port nobody listens on: the refusal is the answer, given at once. Kept out of
/// CheckRunnerTests, whose timing tests run first and alone: the HTTP client's first use (its TLS context) takes CPU.
@Suite struct HTTPRefusedCheckTests {
    @Test func httpRefusedIsAFailureAtOnceNotAfterTheTimeout() async throws {
        let spec = CheckSpec(id: "web", kind: .http(HTTPExpectation(url: "http://127.0.0.1:1/health")), timeoutMs: 5000)
        let started = ContinuousClock.now
        let result = try #require(await CheckRunner(context: ProbeContext(files: HostFiles(root: "/")), deadline: .seconds(10)).run([spec]).results.first)
        #expect(result.status == .fail && result.message.contains("connection refused"), "\(result.message)")
        #expect(ContinuousClock.now - started < .seconds(2), "the client did not retry the connection until the 5 s timeout")
    }
}
