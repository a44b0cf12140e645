/// Which release directories the `releases` strategy deletes: the oldest beyond `keep`, never the one running
/// (`current`) nor the previous good one (what a rollback goes back to).
public enum ReleaseRetention {
    /// `releases` oldest first (their names sort by time: `<ref>-<yyyyMMdd'T'HHmmss.SSS>`, compared on the time).
    public static func toDelete(releases: [String], keep: Int, current: String?, previousGood: String?) -> [String] {
        let ordered = releases.sorted { stamp($0) < stamp($1) }
        let protected = Set([current, previousGood].compactMap { $0 })
        var survivors = ordered.count
        var delete: [String] = []
        for name in ordered where survivors > max(keep, 1) && !protected.contains(name) {
            delete.append(name)
            survivors -= 1
        }
        return delete
    }

    /// `v1.2-20261123T020304.123` → `20261123T020304.123`.
    static func stamp(_ name: String) -> String {
        String(name.split(separator: "-").last ?? Substring(name))
    }

    /// A release directory name: the ref made path-safe, then the UTC time.
    public static func name(ref: String, stamp: String) -> String {
        let safe = String(ref.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "_" ? $0 : "_" }.prefix(60))
        return "\(safe)-\(stamp)"
    }
}
