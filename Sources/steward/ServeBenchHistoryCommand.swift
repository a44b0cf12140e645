import ArgumentParser
import Foundation
import StewardSystem

/// `steward serve bench-history` (hidden): a simulated year of check history in a new database, then the time of
/// one-year uptime queries (``HistoryBench``). It exists for `bench/serve-bench.sh`, which holds the figures against
/// issue 12's targets (≤ 1 MiB per check per year, a year's query ≤ 50 ms); it is no operator's tool, so `--help`
/// does not list it.
struct ServeBenchHistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-history", abstract: "Benchmark: a simulated year of history, its size and query times.",
        discussion: """
            Records CHECKS checks every INTERVAL seconds for DAYS simulated days into a new history at PATH through \
            the history store (the clock injected), maintaining it every MAINTAIN_EVERY simulated seconds as the \
            daemon does; then prints the database's size and the time of one-year daily and hourly series of one \
            check. PATH must not exist. Used by bench/serve-bench.sh.
            """,
        shouldDisplay: false)

    @Option(help: "Checks to simulate.")
    var checks = 10

    @Option(help: "Simulated days.")
    var days = 365

    @Option(help: "Seconds between two runs of a check.")
    var interval: Double = 30

    @Option(help: "Simulated seconds between two maintenance passes (rollups, retention, size cap).")
    var maintainEvery: Double = 300

    @Option(help: "The new history database (must not exist).")
    var path: String

    @Option(help: "Runs of each query.")
    var queryRuns = 5

    @Option(help: "Output format: text or json.")
    var format: OutputFormat = .text

    func run() throws {
        let plan = HistoryBench.Plan(checks: checks, days: days, interval: interval, maintainEvery: maintainEvery)
        let result = try HistoryBench.run(plan, path: path, queryRuns: queryRuns) { day in
            if day % 30 == 0 { FileHandle.standardError.write(Data("bench-history: day \(day) of \(days)\n".utf8)) }
        }
        if format == .json { return OperationCLI.printJSON(result) }
        let mib = { (bytes: Int64) in String(format: "%.3f MiB", Double(bytes) / 1_048_576) }
        print("\(result.checks) checks, \(result.days) days, one run every \(result.intervalSeconds) s: \(result.samples) results "
              + "recorded in \(result.simulateSeconds) s")
        print("size: \(mib(result.sqliteBytes)) (\(mib(result.freeBytes)) free pages), file \(mib(result.fileBytes)); "
              + "per check \(mib(result.sqliteBytes / Int64(result.checks)))")
        print("rows: " + ["raw", "5m", "1h", "1d"].map { "\($0) \(result.rows[$0] ?? 0)" }.joined(separator: ", "))
        for q in result.queries {
            print("one-year \(q.resolution) series: \(q.points) points; " + q.runsMs.map { String(format: "%.2f ms", $0) }.joined(separator: ", "))
        }
    }
}
