import Foundation
import Testing
@testable import StewardCore

/// The daemon's reading of a backup's `OnCalendar=` (issue 12: scheduled backups in the daemon): the next time each
/// form names after a fixed time, the catch-up rule of `Persistent=true`, what is refused, and who runs the backup
/// when `steward backup schedule` installed a timer too.
@Suite struct OnCalendarTests {
    static let utc = TimeZone(identifier: "UTC")!

    /// `2026-03-11 14:20:30 UTC`, a Wednesday.
    static let t0 = date("2026-03-11 14:20:30")

    static func date(_ text: String, _ zone: TimeZone = utc) -> Date {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = zone
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.date(from: text)!
    }

    static func next(_ expression: String, after: Date = t0, _ zone: TimeZone = utc) throws -> Date? {
        try OnCalendar(parsing: expression).next(after: after, timeZone: zone)
    }

    @Test func shorthandsNameTheTimesSystemdGivesThem() throws {
        #expect(try Self.next("minutely") == Self.date("2026-03-11 14:21:00"))
        #expect(try Self.next("hourly") == Self.date("2026-03-11 15:00:00"))
        #expect(try Self.next("daily") == Self.date("2026-03-12 00:00:00"))
        #expect(try Self.next("weekly") == Self.date("2026-03-16 00:00:00"), "the next Monday")
        #expect(try Self.next("monthly") == Self.date("2026-04-01 00:00:00"))
        #expect(try Self.next("quarterly") == Self.date("2026-04-01 00:00:00"))
        #expect(try Self.next("semiannually") == Self.date("2026-07-01 00:00:00"))
        #expect(try Self.next("yearly") == Self.date("2027-01-01 00:00:00"))
        #expect(try Self.next("Daily") == Self.date("2026-03-12 00:00:00"), "case does not matter")
    }

    @Test func datesTimesWeekdaysRangesListsAndRepetitions() throws {
        #expect(try Self.next("*-*-* 03:15") == Self.date("2026-03-12 03:15:00"))
        #expect(try Self.next("*-*-* 15:15") == Self.date("2026-03-11 15:15:00"), "later the same day")
        #expect(try Self.next("03:15:20") == Self.date("2026-03-12 03:15:20"), "no date is every day")
        #expect(try Self.next("Sat,Sun 04:00") == Self.date("2026-03-14 04:00:00"))
        #expect(try Self.next("Mon..Fri 14:00") == Self.date("2026-03-12 14:00:00"))
        #expect(try Self.next("Fri..Mon 09:00") == Self.date("2026-03-13 09:00:00"), "a range that wraps through Sunday")
        #expect(try Self.next("*-*-01,15 02:00") == Self.date("2026-03-15 02:00:00"))
        #expect(try Self.next("*:0/15") == Self.date("2026-03-11 14:30:00"))
        #expect(try Self.next("*-*-* 8..18/4:00") == Self.date("2026-03-11 16:00:00"))
        #expect(try Self.next("2027-02-28") == Self.date("2027-02-28 00:00:00"))
        #expect(try Self.next("12-25 06:00") == Self.date("2026-12-25 06:00:00"), "MONTH-DAY without a year")
        #expect(try Self.next("Mon *-*-13") == Self.date("2026-04-13 00:00:00"), "weekday and date both hold")
        #expect(try Self.next("*-*-* 14:20:30") == Self.date("2026-03-12 14:20:30"), "strictly after: not the same second")
    }

    @Test func timesAreTheHostsLocalTimeUnlessTheExpressionSaysUTC() throws {
        let berlin = TimeZone(identifier: "Europe/Berlin")!
        // 14:20:30 UTC is 15:20:30 in Berlin (CET); 03:15 Berlin is 02:15 UTC.
        #expect(try Self.next("*-*-* 03:15", berlin) == Self.date("2026-03-12 02:15:00"))
        #expect(try Self.next("*-*-* 03:15 UTC", berlin) == Self.date("2026-03-12 03:15:00"))
        // The night Berlin moves to summer time (2026-03-29), 02:30 does not exist: that night has none.
        let spring = try Self.next("*-*-* 02:30", after: Self.date("2026-03-29 00:00:00", berlin), berlin)
        #expect(spring == Self.date("2026-03-30 02:30:00", berlin))
    }

    @Test func anImpossibleOrPastDateHasNoNextTime() throws {
        #expect(try Self.next("*-02-30") == nil)
        #expect(try Self.next("2020-01-01") == nil)
    }

    @Test func whatTheDaemonCannotReadIsRefusedByName() {
        for (text, words) in [("*-*~01", "day: expected a number"), ("Mon..Fry", "weekdays"), ("*-*-* 25:00", "hour: expected 0 to 23"),
                              ("*-*-* 03:15 Europe/Berlin", "cannot read"), ("*-13-01", "month"), ("*:0/0", "repetition"),
                              ("*-*-* 03:15:00.5", "second"), ("", "expected")] {
            #expect(throws: OnCalendar.Refusal.self, "\(text)") { try OnCalendar(parsing: text) }
            do { _ = try OnCalendar(parsing: text) } catch {
                #expect(error.description.contains(words), "\(text): \(error.description)")
            }
        }
    }

    @Test func aRunIsDueWhenAScheduledTimeCameSinceTheLastAsWithPersistent() throws {
        let daily = try OnCalendar(parsing: "*-*-* 03:00")
        let now = Self.date("2026-03-11 14:00:00")
        #expect(daily.isDue(lastRun: nil, now: now, timeZone: Self.utc), "never backed up: at once")
        #expect(daily.isDue(lastRun: Self.date("2026-03-10 03:00:05"), now: now, timeZone: Self.utc), "missed 03:00 today while down")
        #expect(!daily.isDue(lastRun: Self.date("2026-03-11 03:00:05"), now: now, timeZone: Self.utc), "ran at 03:00 today")
        #expect(!daily.isDue(lastRun: Self.date("2026-03-11 02:00:00"), now: Self.date("2026-03-11 02:59:59"), timeZone: Self.utc))
        #expect(daily.isDue(lastRun: Self.date("2026-03-11 02:00:00"), now: Self.date("2026-03-11 03:00:00"), timeZone: Self.utc))
    }

    @Test func theTimerWinsWhenEnabledAndWhenSystemctlCannotSayButItsUnitFileIsThere() {
        #expect(BackupTimerState.probe(app: "marb").argv == ["systemctl", "is-enabled", "--", "steward-backup-marb.timer"])
        let enabled = BackupTimerState.judge(exitCode: 0, stdout: "enabled\n", stderr: "")
        #expect(enabled == .enabled("enabled") && enabled.timerWins(unitFileExists: false))
        let disabled = BackupTimerState.judge(exitCode: 1, stdout: "disabled\n", stderr: "")
        #expect(disabled == .notEnabled("disabled") && !disabled.timerWins(unitFileExists: true))
        #expect(BackupTimerState.judge(exitCode: 1, stdout: "masked\n", stderr: "") == .notEnabled("masked"))
        let missing = BackupTimerState.judge(exitCode: 1, stdout: "",
                                             stderr: "Failed to get unit file state for steward-backup-marb.timer: No such file or directory\n")
        #expect(missing == .notEnabled("not-found"))
        let offline = BackupTimerState.judge(exitCode: 1, stdout: "", stderr: "System has not been booted with systemd as init system (PID 1).\n")
        #expect(offline == .unknown("System has not been booted with systemd as init system (PID 1)."))
        #expect(offline.timerWins(unitFileExists: true) && !offline.timerWins(unitFileExists: false))
    }
}
