import Foundation
import Logging

/// The CLI's log: swift-log lines on stderr, off unless `STEWARD_LOG_LEVEL` asks (trace, debug, info, notice,
/// warning, error, critical). Operations log every event with its operation id; the CLI already shows events as
/// text, so by default only errors would appear. The daemon routes the same log to the journal.
enum StewardLogging {
    static func bootstrap() {
        // getenv, not ProcessInfo's environment dictionary (built whole at each start, for one variable).
        let level = getenv("STEWARD_LOG_LEVEL").flatMap { Logger.Level(rawValue: String(cString: $0).lowercased()) } ?? .error
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
    }
}
