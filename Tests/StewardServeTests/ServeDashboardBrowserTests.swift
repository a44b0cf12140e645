import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import StewardCore
@testable import StewardServe
import StewardSystem
import Testing

/// The dashboard in a real browser: Debian's headless Chromium, driven over the DevTools protocol by
/// `Tests/Scenarios/dashboard/browser.py`, logs in through the form of a daemon listening on a loopback port, and
/// the DOM it builds shows the failing check as failing and the deploy's marker on the sparkline; the CSP lets the
/// page's own script and stylesheet run (the live indicator comes on, the failing badge is red) and nothing logs an
/// error. `STEWARD_RECORD_SCREENSHOTS=1` saves its screenshots to docs/screenshots/ (the README shows them).
extension ServeRoutesTests {
    static let chromium = ["/usr/bin/chromium", "/usr/bin/chromium-browser"].first { FileManager.default.isExecutableFile(atPath: $0) }
    static let repository = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    // Runs wherever Chromium is installed; in CI (which installs it) its absence is a failure, not a skip.
    @Test(.enabled(if: chromium != nil || ProcessInfo.processInfo.environment["CI"] != nil, "needs Debian's chromium"))
    func theDashboardInHeadlessChromiumShowsTheFailingCheckAndTheDeployMarker() async throws {
        let chromium = try #require(Self.chromium, "chromium is not installed (.ci/run installs it)")
        let fixture = try fixture()
        defer { try? FileManager.default.removeItem(at: fixture.directory) }
        try await Self.recordDeployAndAlert(fixture)
        try await Self.recordMonths(fixture)
        let tokenFile = fixture.directory.appendingPathComponent("browser-token")
        try Self.operateToken.write(to: tokenFile, atomically: true, encoding: .utf8)
        let record = ProcessInfo.processInfo.environment["STEWARD_RECORD_SCREENSHOTS"] == "1"
        let shots = record ? Self.repository.appendingPathComponent("docs/screenshots") : fixture.directory.appendingPathComponent("screenshots")

        let app = Application(router: ServeRoutes.router(fixture.state), configuration: .init(address: .hostname("127.0.0.1", port: 0)),
                              logger: Logger(label: "test"))
        let output = try await app.test(.live) { client -> String in
            let port = try #require(client.port)
            return try await Self.run(["python3", Self.repository.appendingPathComponent("Tests/Scenarios/dashboard/browser.py").path,
                                       "--url", "http://127.0.0.1:\(port)", "--token-file", tokenFile.path,
                                       "--screenshots", shots.path, "--chromium", chromium], in: fixture.directory)
        }
        await fixture.state.history?.shutdown()
        let facts = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any], "\(output)")
        #expect(facts["loginForm"] as? Bool == true)
        #expect(facts["path"] as? String == "/", "the login form led to the overview")
        #expect(facts["failing"] as? [String] == ["marb@prod/api health"])
        #expect(facts["passing"] as? [String] == ["host/disk /"])
        #expect(facts["failBadge"] as? String == "fail")
        #expect(facts["failBadgeColor"] as? String == "rgb(208, 52, 44)", "the stylesheet applies")
        #expect((facts["instances"] as? [String: String])?["marb@prod"] == "fail")
        let markers = try #require(facts["deployMarkers"] as? [[String: String]])
        #expect(markers.contains { $0["id"] == "1" && $0["title"]?.hasPrefix("deploy #1 v1.4.2 by api:ci") == true }, "\(markers)")
        #expect((facts["uptimeCells"] as? Int ?? 0) >= 180)
        #expect((facts["deploySentences"] as? [String])?.first?.hasPrefix("failing since deploy #1 of v1.4.2") == true)
        #expect(facts["cookieVisibleToScript"] as? String == "", "the session cookie is HttpOnly")
        #expect(facts["live"] as? Bool == true, "the script ran and the live updates connected")
        #expect(facts["alertsPath"] as? String == "/alerts" && (facts["alertItems"] as? Int ?? 0) >= 1)
        #expect(facts["consoleErrors"] as? [String] == [], "no CSP violation or script error")
        for name in ["dashboard-overview.png", "dashboard-alerts.png"] {
            let size = (try? FileManager.default.attributesOfItem(atPath: shots.appendingPathComponent(name).path)[.size] as? Int) ?? 0
            #expect(size > 10_000, "\(name) was saved")
        }
    }

    /// Three months of history, so the bars and sparklines have something to show: hourly runs of both checks with
    /// two bad days and one unsure, five-minute runs over the last day, and an earlier deploy by alice.
    static func recordMonths(_ fixture: Fixture) async throws {
        let history = try #require(fixture.state.history)
        var samples: [CheckSample] = []
        let recentStart = now.addingTimeInterval(-24 * 3600), quiet = now.addingTimeInterval(-11 * 60)
        for key in ["marb@prod/api health", "host/disk /"] {
            var at = now.addingTimeInterval(-89 * 86_400)
            while at < quiet {
                let daysBack = Int(now.timeIntervalSince(at) / 86_400)
                let hour = Int(at.timeIntervalSince1970 / 3600) % 24
                var status: CheckResult.Status = .pass
                if key.hasPrefix("marb"), (daysBack == 5 && hour < 3) || (daysBack == 17 && hour < 9) { status = .fail }
                if key.hasPrefix("marb"), daysBack == 30, hour == 4 { status = .unknown }
                let wave = sin(at.timeIntervalSince1970 / 5400) * 6
                let latency = key.hasPrefix("marb") ? 42 + wave + (at > now.addingTimeInterval(-14 * 3600) ? 18 : 0) : 3 + wave / 4
                samples.append(CheckSample(check: key, at: at, status: status, latencyMs: max(1, latency)))
                at = at.addingTimeInterval(at < recentStart ? 3600 : 300)
            }
        }
        let recorded = samples
        try await history.run { try $0.record(recorded) }
        let statePath = fixture.directory.appendingPathComponent("state/state.db").path
        let state = try StateStore(path: statePath)
        var earlier = try state.insertDeploy(DeployRecord(app: "marb", instance: "prod", ref: "v1.4.1", commit: "def456", strategy: .releases,
                                                          release: "/srv/marb/releases/0", user: "alice", startedAt: now.addingTimeInterval(-14 * 3600),
                                                          pid: 1, host: "h"))
        earlier.status = .succeeded
        earlier.finishedAt = earlier.startedAt.addingTimeInterval(55)
        try state.updateDeploy(earlier)
        _ = await StateImporter(statePath: statePath, history: history, logger: .init(label: "test")).once(now: now)
    }

    /// Runs a command to its end without holding a thread of the cooperative pool (the server under test needs
    /// them); its standard output, or a failure with its standard error.
    static func run(_ arguments: [String], in directory: URL) async throws -> String {
        let out = directory.appendingPathComponent("browser.out"), err = directory.appendingPathComponent("browser.err")
        _ = FileManager.default.createFile(atPath: out.path, contents: nil)
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = arguments
        process.standardInput = FileHandle.nullDevice
        process.standardOutput = try FileHandle(forWritingTo: out)
        process.standardError = try FileHandle(forWritingTo: err)
        let status: Int32 = try await withCheckedThrowingContinuation { continuation in
            process.terminationHandler = { continuation.resume(returning: $0.terminationStatus) }
            do { try process.run() } catch { continuation.resume(throwing: error) }
        }
        let stdout = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        guard status == 0 else {
            Issue.record("browser.py exited \(status): \((try? String(contentsOf: err, encoding: .utf8)) ?? "")")
            return stdout
        }
        return stdout
    }
}
