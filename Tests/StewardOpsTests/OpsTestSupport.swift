import Foundation
import Logging
@testable import StewardOps

/// A private directory for one test (root-only, so the state database accepts it), removed at the end.
final class OpsScratch {
    let path: String

    init() throws {
        path = FileManager.default.temporaryDirectory.appendingPathComponent("steward-ops-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func file(_ name: String, _ text: String, mode: Int = 0o600) throws -> String {
        let full = path + "/" + name
        try text.write(toFile: full, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
        return full
    }

    /// A host context on this scratch directory's state database that records its events.
    func host(events recorder: EventRecorder = EventRecorder()) -> HostContext {
        HostContext(statePath: path + "/state/state.db", identity: OperationIdentity(operatorName: "tester", host: "test-host", operationID: "op-1"),
                    events: EventSink { recorder.add($0) }, logger: Self.quietLogger)
    }

    /// Tests read events, not the log (swift-log's default handler would print to stdout).
    static var quietLogger: Logger {
        var log = Logger(label: "steward-test")
        log.logLevel = .critical
        return log
    }
}

/// The events an operation emitted, in order.
final class EventRecorder: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [OperationEvent] = []
    func add(_ e: OperationEvent) { lock.withLock { list.append(e) } }
    var events: [OperationEvent] { lock.withLock { list } }
}
