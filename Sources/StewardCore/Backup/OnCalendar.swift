import Foundation

/// A systemd `OnCalendar=` expression as `steward serve` evaluates it, so the daemon runs an app's scheduled backup
/// on the very calendar the timer of `steward backup schedule` would (the manifest's `backup.schedule`).
///
/// The subset read is what a backup schedule uses: the shorthands (`minutely`, `hourly`, `daily`, `weekly`,
/// `monthly`, `quarterly`, `semiannually`, `yearly`/`annually`) and `[WEEKDAYS] [[YEAR-]MONTH-DAY] [HOUR:MINUTE[:SECOND]] [UTC]`,
/// each component `*`, a number, a range `A..B`, a repetition `A/STEP` or `A..B/STEP`, or a list of those with `,`.
/// Anything else (`~` for the last days of a month, fractional seconds, time zones other than UTC) is refused by
/// name rather than guessed: the daemon then leaves that app to the timer. Times are the host's local time (as
/// systemd's), unless the expression ends in `UTC`; a local time the clock skips that night (02:30 when summer time
/// begins) names no time that day, so schedule backups outside 02:00–03:00 or in UTC.
public struct OnCalendar: Sendable, Equatable {
    /// Allowed values of each field; nil is any (`*`). Weekdays are ISO: 1 is Monday, 7 Sunday.
    public var weekdays: Set<Int>?
    public var years: Set<Int>?
    public var months: Set<Int>?
    public var days: Set<Int>?
    public var hours: Set<Int>?
    public var minutes: Set<Int>?
    public var seconds: Set<Int>?
    /// Whether the expression named UTC; otherwise the caller's time zone (the host's) applies.
    public var utc: Bool

    public struct Refusal: Error, Equatable, CustomStringConvertible {
        public var expression: String
        public var reason: String
        public var description: String { "OnCalendar=\(expression): \(reason)" }
    }

    static let shorthands: [String: String] = [
        "minutely": "*-*-* *:*:00", "hourly": "*-*-* *:00:00", "daily": "*-*-* 00:00:00",
        "weekly": "Mon *-*-* 00:00:00", "monthly": "*-*-01 00:00:00", "quarterly": "*-01,04,07,10-01 00:00:00",
        "semiannually": "*-01,07-01 00:00:00", "yearly": "*-01-01 00:00:00", "annually": "*-01-01 00:00:00",
    ]

    static let weekdayNames: [String: Int] = [
        "mon": 1, "monday": 1, "tue": 2, "tuesday": 2, "wed": 3, "wednesday": 3, "thu": 4, "thursday": 4,
        "fri": 5, "friday": 5, "sat": 6, "saturday": 6, "sun": 7, "sunday": 7,
    ]

    public init(weekdays: Set<Int>? = nil, years: Set<Int>? = nil, months: Set<Int>? = nil, days: Set<Int>? = nil,
                hours: Set<Int>? = nil, minutes: Set<Int>? = nil, seconds: Set<Int>? = nil, utc: Bool = false) {
        self.weekdays = weekdays
        self.years = years
        self.months = months
        self.days = days
        self.hours = hours
        self.minutes = minutes
        self.seconds = seconds
        self.utc = utc
    }

    public init(parsing expression: String) throws(Refusal) {
        let text = expression.trimmingCharacters(in: .whitespaces)
        func refuse(_ reason: String) -> Refusal { Refusal(expression: String(expression.prefix(80)), reason: reason) }
        guard !text.isEmpty, text.count <= 200 else { throw refuse("expected an expression like daily or \"*-*-* 03:15\"") }
        var tokens = (Self.shorthands[text.lowercased()] ?? text).split(separator: " ", omittingEmptySubsequences: true).map(String.init)
        self.init()
        if tokens.last?.uppercased() == "UTC" {
            utc = true
            tokens.removeLast()
        }
        if let first = tokens.first, first.first?.isLetter == true {
            weekdays = try Self.weekdays(first, refuse)
            tokens.removeFirst()
        }
        var sawDate = false, sawTime = false
        for token in tokens {
            if token.contains(":"), !sawTime {
                let parts = token.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2 || parts.count == 3 else { throw refuse("expected a time like 03:15 or 03:15:00, got \(token)") }
                hours = try Self.field(parts[0], 0...23, "hour", refuse)
                minutes = try Self.field(parts[1], 0...59, "minute", refuse)
                seconds = parts.count == 3 ? try Self.field(parts[2], 0...59, "second", refuse) : [0]
                sawTime = true
            } else if token.contains("-"), !sawDate, !sawTime {
                let parts = token.split(separator: "-", omittingEmptySubsequences: false).map(String.init)
                guard parts.count == 2 || parts.count == 3 else { throw refuse("expected a date like *-*-* or 2026-01-31, got \(token)") }
                if parts.count == 3 { years = try Self.field(parts[0], 1970...2199, "year", refuse) }
                months = try Self.field(parts[parts.count - 2], 1...12, "month", refuse)
                days = try Self.field(parts[parts.count - 1], 1...31, "day", refuse)
                sawDate = true
            } else {
                throw refuse("cannot read \"\(token.prefix(40))\" (the daemon reads weekdays, a date, a time and UTC)")
            }
        }
        // No time: midnight, as systemd reads it.
        if !sawTime {
            hours = [0]
            minutes = [0]
            seconds = [0]
        }
    }

    /// `Mon`, `Mon,Fri`, `Mon..Fri`, `Sat,Sun`: ISO weekday numbers.
    static func weekdays(_ text: String, _ refuse: (String) -> Refusal) throws(Refusal) -> Set<Int> {
        var set = Set<Int>()
        for part in text.lowercased().split(separator: ",", omittingEmptySubsequences: false) {
            let ends = part.split(separator: ".", omittingEmptySubsequences: true)
            let range = part.contains("..") ? ends : [part]
            guard (1...2).contains(range.count), let a = weekdayNames[String(range[0])], let b = weekdayNames[String(range[range.count - 1])] else {
                throw refuse("expected weekdays like Mon, Mon..Fri or Sat,Sun, got \(text.prefix(40))")
            }
            // A range that wraps (Fri..Mon) runs through Sunday, as systemd reads it.
            set.formUnion(a <= b ? Array(a...b) : Array(a...7) + Array(1...b))
        }
        return set
    }

    /// One component: `*`, `5`, `1..5`, `0/15`, `*/15`, `8..18/2`, or a list of those. nil for `*` alone.
    static func field(_ text: String, _ bounds: ClosedRange<Int>, _ name: String, _ refuse: (String) -> Refusal) throws(Refusal) -> Set<Int>? {
        if text == "*" { return nil }
        var set = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard (1...2).contains(pieces.count) else { throw refuse("\(name): cannot read \(part.prefix(20))") }
            var step = 1
            if pieces.count == 2 {
                guard let s = Int(pieces[1]), s > 0 else { throw refuse("\(name): expected a positive repetition after /, got \(part.prefix(20))") }
                step = s
            }
            let lower: Int, upper: Int
            if pieces[0] == "*" {
                (lower, upper) = (bounds.lowerBound, bounds.upperBound)
            } else if pieces[0].contains("..") {
                let ends = pieces[0].split(separator: ".", omittingEmptySubsequences: true)
                guard ends.count == 2, let a = Int(ends[0]), let b = Int(ends[1]), a <= b else {
                    throw refuse("\(name): expected a range like 1..5, got \(part.prefix(20))")
                }
                (lower, upper) = (a, b)
            } else {
                guard let a = Int(pieces[0]) else { throw refuse("\(name): expected a number, *, a range or a list, got \(part.prefix(20))") }
                // `A/STEP` repeats up to the field's end; a lone number is itself.
                (lower, upper) = (a, pieces.count == 2 ? bounds.upperBound : a)
            }
            guard bounds.contains(lower), bounds.contains(upper) else {
                throw refuse("\(name): expected \(bounds.lowerBound) to \(bounds.upperBound), got \(part.prefix(20))")
            }
            set.formUnion(stride(from: lower, through: upper, by: step))
        }
        return set
    }

    /// The first time strictly after `date` that the expression names, in `timeZone` (UTC when the expression says
    /// so); nil when none comes within 50 years (`*-02-30`). Whole seconds, as systemd's timers.
    public func next(after date: Date, timeZone: TimeZone) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = utc ? TimeZone(identifier: "UTC")! : timeZone
        let horizon = date.addingTimeInterval(50 * 366 * 86_400)
        var candidate = Date(timeIntervalSince1970: (date.timeIntervalSince1970 + 1).rounded(.down))
        // Each pass either answers or moves to the start of the next year, month, day, hour, minute or second that
        // can match: a few thousand passes at most within the horizon.
        while candidate <= horizon {
            let c = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: candidate)
            guard let year = c.year, let month = c.month, let day = c.day, let hour = c.hour, let minute = c.minute,
                  let second = c.second, let weekday = c.weekday else { return nil }
            let unit: Calendar.Component
            if years.map({ !$0.contains(year) }) ?? false {
                guard let last = years?.max(), year < last else { return nil }
                unit = .year
            } else if months.map({ !$0.contains(month) }) ?? false {
                unit = .month
            } else if !(days.map { $0.contains(day) } ?? true) || !(weekdays.map { $0.contains((weekday + 5) % 7 + 1) } ?? true) {
                unit = .day
            } else if hours.map({ !$0.contains(hour) }) ?? false {
                unit = .hour
            } else if minutes.map({ !$0.contains(minute) }) ?? false {
                unit = .minute
            } else if seconds.map({ !$0.contains(second) }) ?? false {
                unit = .second
            } else {
                return candidate
            }
            guard let interval = calendar.dateInterval(of: unit, for: candidate), interval.end > candidate else { return nil }
            candidate = interval.end
        }
        return nil
    }

    /// Whether a run is due now, as a timer with `Persistent=true` decides: a time the expression names has come
    /// since `lastRun`. With no run at all, it is due (an app never backed up is what `backup.missing` reports).
    public func isDue(lastRun: Date?, now: Date, timeZone: TimeZone) -> Bool {
        guard let lastRun else { return true }
        guard let next = next(after: lastRun, timeZone: timeZone) else { return false }
        return next <= now
    }
}
