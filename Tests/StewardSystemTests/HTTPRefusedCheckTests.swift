import Foundation
import StewardCore
@testable import StewardSystem
import Testing

/// An HTTP check against a port nobody listens on: the refusal is the answer, given at once (AsyncHTTPClient's own
/// retries took it to the 5 s timeout). scripts/test runs this suite alone: its bound is a time, and under the
/// parallel suites' load any time stretches.
@Suite struct HTTPRefusedCheckTests {
    @Test func httpRefusedIsAFailureAtOnceNotAfterTheTimeout() async throws {
        let spec = CheckSpec(id: "web", kind: .http(HTTPExpectation(url: "http://127.0.0.1:1/health")), timeoutMs: 5000)
        let started = ContinuousClock.now
        let result = try #require(await CheckRunner(context: ProbeContext(files: HostFiles(root: "/")), deadline: .seconds(10)).run([spec]).results.first)
        #expect(result.status == .fail && result.message.contains("connection refused"), "\(result.message)")
        #expect(ContinuousClock.now - started < .seconds(2), "the client did not retry the connection until the 5 s timeout")
    }
}
