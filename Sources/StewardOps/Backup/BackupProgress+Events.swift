import Foundation
import StewardSystem

extension HostContext {
    /// The backup and restore services' progress as this operation's events: each step started and finished (with
    /// its result and duration), bytes written while a tool writes, rows or files a finished copy holds.
    var backupProgress: BackupProgressSink {
        let host = self
        return { progress in
            let id = host.identity.operationID, now = host.clock.now()
            switch progress {
            case .started(let step):
                host.emit(OperationEvent(operation: id, at: now, kind: .stepStarted, step: step))
            case .finished(let step, let ms, let ok):
                host.emit(OperationEvent(operation: id, at: now, kind: .stepFinished, step: step, result: ok ? "ok" : "failed", durationMs: ms))
            case .bytes(let step, let done):
                host.emit(OperationEvent(operation: id, at: now, kind: .progress, step: step, done: done, unit: "bytes"))
            case .items(let step, let count, let unit):
                host.emit(OperationEvent(operation: id, at: now, kind: .progress, step: step, done: count, total: count, unit: unit))
            }
        }
    }
}
