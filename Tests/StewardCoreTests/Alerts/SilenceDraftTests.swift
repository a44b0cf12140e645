import Foundation
import Testing
@testable import StewardCore

/// A silence as asked for by the API, the dashboard and the CLI: what it covers, for how long, and refusals that
/// name the field.
@Suite struct SilenceDraftTests {
    static let now = Date(timeIntervalSince1970: 1_800_000_000)

    @Test func anInstanceSilenceRunsFromNowForItsDuration() throws {
        let silence = try SilenceDraft(target: "marb@prod", duration: "2h", reason: "db migration").silence(by: "alice", now: Self.now)
        #expect(silence == SilenceRecord(app: "marb", instance: "prod", subject: nil, startsAt: Self.now, endsAt: Self.now + 7200,
                                         reason: "db migration", createdBy: "alice"))
        #expect(silence.covers(app: "marb", instance: "prod", subject: "marb@prod/api", at: Self.now + 60))
        #expect(!silence.covers(app: "marb", instance: "staging", subject: "marb@staging/api", at: Self.now + 60))
        #expect(!silence.covers(app: "marb", instance: "prod", subject: "marb@prod/api", at: Self.now + 7200))
    }

    @Test func anAppOrHostSilenceCoversEveryInstance() throws {
        let app = try SilenceDraft(target: "marb", subject: "marb@prod/api", duration: "30m", reason: "x").silence(by: "a", now: Self.now)
        #expect(app.app == "marb" && app.instance == nil && app.subject == "marb@prod/api")
        let instances = try SilenceDraft(target: "marb", duration: "30m", reason: "x").silence(by: "a", now: Self.now)
        #expect(instances.covers(app: "marb", instance: "prod", subject: "marb@prod/api", at: Self.now))
        #expect(instances.covers(app: "marb", instance: "staging", subject: "marb@staging/api", at: Self.now))
        #expect(!instances.covers(app: "chip", instance: "prod", subject: "chip@prod/api", at: Self.now))
        // No target: the whole host, every app's alerts and the host's own.
        let host = try SilenceDraft(target: nil, duration: "1d", reason: "maintenance").silence(by: "a", now: Self.now)
        #expect(host.app == nil && host.covers(app: nil, instance: nil, subject: "disk /", at: Self.now))
        #expect(host.covers(app: "chip", instance: "prod", subject: "chip@prod/api", at: Self.now))
    }

    @Test(arguments: [
        (SilenceDraft(target: "marb@prod", duration: "0m", reason: "x"), "duration"),
        (SilenceDraft(target: "marb@prod", duration: "31d", reason: "x"), "duration"),
        (SilenceDraft(target: "marb@prod", duration: "2 hours", reason: "x"), "duration"),
        (SilenceDraft(target: "marb@prod", duration: "2h", reason: "  "), "reason"),
        (SilenceDraft(target: "marb@prod", duration: "2h", reason: "two\nlines"), "reason"),
        (SilenceDraft(target: "marb@prod", duration: "2h", reason: "red \u{1B}[31m text"), "reason"),
        (SilenceDraft(target: "marb@prod", duration: "2h", reason: "bidi \u{202E} override"), "reason"),
        (SilenceDraft(target: "marb", subject: "a\u{0}b", duration: "2h", reason: "x"), "subject"),
        (SilenceDraft(target: "marb prod", duration: "2h", reason: "x"), "target"),
        (SilenceDraft(target: "marb@", duration: "2h", reason: "x"), "target"),
        (SilenceDraft(target: "marb", subject: "", duration: "2h", reason: "x"), "subject"),
    ])
    func badDraftsAreRefusedNamingTheField(_ draft: SilenceDraft, _ field: String) {
        #expect(throws: SilenceDraft.Refusal.self) { _ = try draft.silence(by: "a", now: Self.now) }
        do { _ = try draft.silence(by: "a", now: Self.now) } catch { #expect(error.field == field) }
    }
}
