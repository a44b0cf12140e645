import Foundation
import Testing
@testable import StewardOps

@Suite struct HostContextTests {
    @Test func eventsCarryTheOperationIdAndReachTheSinkInOrder() throws {
        let scratch = try OpsScratch()
        let recorder = EventRecorder()
        let host = scratch.host(events: recorder)
        host.emit(.stepStarted, step: "fetch")
        host.say("fetched v1.2")
        host.warn("ignoring ./steward.yml")
        #expect(recorder.events.map(\.kind) == [.stepStarted, .log, .warning])
        #expect(recorder.events.allSatisfy { $0.operation == "op-1" })
        #expect(recorder.events[1].message == "fetched v1.2")
    }

    @Test func anInvalidManifestIsATypedErrorWithLocatedDetails() throws {
        let scratch = try OpsScratch()
        let path = try scratch.file("steward.yml", "apps:\n  web:\n    kind: fastapi\n    colour: blue\n")
        let error = #expect(throws: OperationError.self) { try ManifestSource.load(explicit: path, host: scratch.host()) }
        #expect(error?.code == .invalidConfig)
        #expect(error?.message == "\(path): 1 error(s); nothing was done")
        #expect(error?.details.count == 1)
        #expect(error?.details.first?.contains("\(path):4") == true)
        #expect(error?.details.first?.contains("colour") == true)
    }

    @Test func aManifestOthersCanWriteIsRefusedWithTheFix() throws {
        let scratch = try OpsScratch()
        let path = try scratch.file("steward.yml", "apps: {}\n", mode: 0o666)
        let error = #expect(throws: OperationError.self) { try ManifestSource.load(explicit: path, host: scratch.host()) }
        #expect(error?.code == .untrustedConfig)
        #expect(error?.message.contains("chmod") == true)
    }

    @Test func theRegistryRunsStatusFromJSONAndRejectsABadRequest() async throws {
        let scratch = try OpsScratch()
        let status = try #require(OperationRegistry.all["status"])
        let (data, code, _) = try await status(Data(#"{"target":"marb@prod"}"#.utf8), scratch.host())
        let json = String(decoding: data, as: UTF8.self)
        #expect(code == 0)
        #expect(json.contains(#""schema":"steward.status/1""#))
        #expect(json.contains(#""instances":[]"#))
        await #expect(throws: OperationError.self) { try await status(Data(#"{"target":7}"#.utf8), scratch.host()) }
    }
}
