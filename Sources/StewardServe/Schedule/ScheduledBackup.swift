import Foundation
import StewardCore

/// An app whose backups the daemon runs on its `backup.schedule`: the same work as the timer of
/// `steward backup schedule APP` (back up every instance, verify each new backup by restoring it, then prune).
public struct ScheduledBackup: Sendable, Equatable {
    public var app: String
    /// The manifest's `backup.schedule`, as written (`daily`, `*-*-* 03:15`).
    public var schedule: String
    public var calendar: OnCalendar

    public init(app: String, schedule: String, calendar: OnCalendar) {
        self.app = app
        self.schedule = schedule
        self.calendar = calendar
    }

    /// The apps the daemon schedules: those that declare `backup:` in the manifest (an app with none is backed up
    /// only when asked, as before the daemon: a daemon must not start backing up what nobody asked it to). An
    /// app whose schedule the daemon cannot read is left out with the reason (its timer can still run it).
    public static func plan(_ manifest: Manifest) -> (scheduled: [ScheduledBackup], unreadable: [(app: String, reason: String)]) {
        var scheduled: [ScheduledBackup] = []
        var unreadable: [(app: String, reason: String)] = []
        for app in manifest.apps {
            guard let spec = app.backup else { continue }
            do {
                scheduled.append(ScheduledBackup(app: app.name, schedule: spec.schedule, calendar: try OnCalendar(parsing: spec.schedule)))
            } catch {
                unreadable.append((app.name, error.description))
            }
        }
        return (scheduled, unreadable)
    }
}
