import Foundation

/// What an operation reports while it runs, as data: the CLI renders it as text, `--events jsonl` and the agent
/// write it as one JSON object per line, the daemon stores and streams it. One flat shape (a kind and optional
/// fields) so every consumer decodes every event without knowing all kinds.
public struct OperationEvent: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable {
        /// A step began (`step`).
        case stepStarted = "step_started"
        /// A step ended (`step`, `result`: ok, failed, skipped; `duration_ms`).
        case stepFinished = "step_finished"
        /// Work done within a step: `done` of `total` (nil when unknown) in `unit` (bytes, rows, files).
        case progress
        /// A line for the operator.
        case log
        /// Something the operator should know that does not stop the operation.
        case warning
    }

    public var operation: String
    public var at: Date
    public var kind: Kind
    public var step: String?
    public var message: String?
    public var result: String?
    public var durationMs: Int?
    public var done: Int64?
    public var total: Int64?
    public var unit: String?

    public init(operation: String, at: Date, kind: Kind, step: String? = nil, message: String? = nil, result: String? = nil,
                durationMs: Int? = nil, done: Int64? = nil, total: Int64? = nil, unit: String? = nil) {
        self.operation = operation
        self.at = at
        self.kind = kind
        self.step = step
        self.message = message
        self.result = result
        self.durationMs = durationMs
        self.done = done
        self.total = total
        self.unit = unit
    }

    enum CodingKeys: String, CodingKey {
        case operation, at, kind, step, message, result, durationMs = "duration_ms", done, total, unit
    }
}
