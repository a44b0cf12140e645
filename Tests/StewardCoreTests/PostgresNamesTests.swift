import Testing
@testable import StewardCore

/// The databases Steward creates next to an app's stay within PostgreSQL's 63 bytes and never truncate onto the live
/// database's name (a `dropdb` of `<db>_steward_old` truncated to `<db>` would drop production).
@Suite struct PostgresNamesTests {
    @Test func shortNamesAreSuffixedAsTheyAre() {
        #expect(PostgresNames.derived("marb", suffix: "_steward_old") == "marb_steward_old")
        #expect(PostgresNames.derived("marb", suffix: "_steward_new") == "marb_steward_new")
    }

    @Test func aNameThatWouldTruncateIsShortenedWithAHashAndStaysDistinct() {
        for length in [50, 51, 52, 55, 60, 62, 63, 64, 80, 200] {
            let live = String(repeating: "a", count: length)
            let old = PostgresNames.derived(live, suffix: "_steward_old")
            let new = PostgresNames.derived(live, suffix: "_steward_new")
            #expect(old.utf8.count <= 63 && new.utf8.count <= 63, "\(length): \(old) \(new)")
            // What PostgreSQL would make of each is still distinct from the live name and from each other.
            #expect(PostgresNames.truncated(old) != PostgresNames.truncated(live), "\(length)")
            #expect(PostgresNames.truncated(old) != PostgresNames.truncated(new), "\(length)")
            #expect(old.hasSuffix("_steward_old") && new.hasSuffix("_steward_new"))
            // Stable: an interrupted restore's leftovers are found again by the next run.
            #expect(old == PostgresNames.derived(live, suffix: "_steward_old"))
        }
        // Exactly 63 bytes: the plain name truncates to the live database itself; the derived one does not.
        let live63 = String(repeating: "d", count: 63)
        #expect(PostgresNames.truncated(live63 + "_steward_old") == live63)
        #expect(PostgresNames.derived(live63, suffix: "_steward_old") != live63)
    }

    @Test func twoLongNamesWithTheSamePrefixGetDifferentNames() {
        let a = String(repeating: "x", count: 60) + "_a", b = String(repeating: "x", count: 60) + "_b"
        #expect(PostgresNames.derived(a, suffix: "_steward_old") != PostgresNames.derived(b, suffix: "_steward_old"))
    }

    @Test func multibyteNamesAreNotCutInsideACharacter() {
        let live = String(repeating: "é", count: 40)  // 80 bytes
        let old = PostgresNames.derived(live, suffix: "_steward_old")
        #expect(old.utf8.count <= 63 && !old.contains("\u{FFFD}") && old.hasPrefix("éé"))
    }
}
