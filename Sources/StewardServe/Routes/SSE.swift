import Foundation
import HTTPTypes
import Hummingbird
import StewardOps

/// Server-Sent Events: one `event:` and one `data:` line of JSON per frame (JSON escapes every newline, so a
/// message can never end a frame early), a `retry:` hint first, and a comment every 15 s so proxies keep the
/// connection. The stream ends when its source does (an operation's result) or the client goes.
enum SSE {
    /// - Parameter latestOnly: each frame is a whole snapshot (the dashboard's): a client that stops reading holds
    ///   the newest one only, never a growing queue. An operation's events are all kept (they are bounded per operation).
    static func response<S: AsyncSequence & Sendable>(_ frames: S, latestOnly: Bool = false) -> Response where S.Element == String {
        Response(status: .ok,
                 headers: [.contentType: "text/event-stream", .cacheControl: "no-cache", HTTPField.Name("X-Accel-Buffering")!: "no"],
                 body: ResponseBody { writer in
                     try await writer.write(ByteBuffer(string: "retry: 5000\n\n"))
                     try await withThrowingTaskGroup(of: Void.self) { group in
                         let (ticks, tick) = AsyncStream<String>.makeStream(bufferingPolicy: latestOnly ? .bufferingNewest(1) : .unbounded)
                         group.addTask {
                             for try await frame in frames { tick.yield(frame) }
                             tick.finish()
                         }
                         group.addTask {
                             while !Task.isCancelled {
                                 try await Task.sleep(for: .seconds(15))
                                 tick.yield(": keep-alive\n\n")
                             }
                         }
                         for await frame in ticks { try await writer.write(ByteBuffer(string: frame)) }
                         group.cancelAll()
                     }
                     try await writer.finish(nil)
                 })
    }

    /// An operation's stream item as a frame: `event: step_started` (the event's kind) or `event: result`.
    @Sendable static func frame(_ item: ServeOperations.StreamItem) -> String {
        switch item {
        case .event(let event):
            let data = (try? JSONEncoder.stewardLine.encode(event)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
            return "event: \(event.kind.rawValue)\ndata: \(data)\n\n"
        case .result(let exitCode, let document):
            let result = document.isEmpty ? "null" : String(decoding: document, as: UTF8.self)
            return "event: result\ndata: {\"exit_code\":\(exitCode),\"result\":\(result)}\n\n"
        }
    }
}
