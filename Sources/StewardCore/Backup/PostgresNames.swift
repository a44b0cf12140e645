/// Names of the databases Steward creates next to an app's (`<db>_steward_new`, `<db>_steward_old`, scratch
/// databases for verification). PostgreSQL silently truncates identifiers to 63 bytes, so `<db>_steward_old` of a
/// 60-byte name would become `<db>_st`, the same as `<db>_steward_new`, and of a 63-byte name the live database
/// itself: a `dropdb` of "the previous copy" would drop production. A name that does not fit is shortened with a
/// hash of the whole base instead, so it stays distinct, stable across runs, and never the live name.
public enum PostgresNames {
    /// PostgreSQL's identifier limit (NAMEDATALEN − 1), in bytes.
    public static let maxBytes = 63

    /// `base + suffix` when it fits in 63 bytes; else base's first bytes (cut on a character boundary), `_`, eight
    /// hex digits of a hash of `base`, then `suffix`. Never equal to `base`.
    public static func derived(_ base: String, suffix: String) -> String {
        let plain = base + suffix
        if plain.utf8.count <= maxBytes { return plain }
        var salt: UInt64 = 0
        while true {
            let hash = "_" + hex8(fnv1a(Array(base.utf8), salt: salt))
            let room = max(0, maxBytes - suffix.utf8.count - hash.utf8.count)
            let name = prefix(base, bytes: room) + hash + String(decoding: Array(suffix.utf8.prefix(maxBytes - hash.utf8.count)), as: UTF8.self)
            if name != truncated(base) { return name }
            salt += 1
        }
    }

    /// What PostgreSQL makes of a name: its first 63 bytes (on a character boundary).
    public static func truncated(_ name: String) -> String {
        name.utf8.count <= maxBytes ? name : prefix(name, bytes: maxBytes)
    }

    /// The first `bytes` bytes of `text`, without cutting a UTF-8 character in two.
    static func prefix(_ text: String, bytes: Int) -> String {
        var utf8 = Array(text.utf8.prefix(bytes))
        // Drop a trailing, incomplete character: continuation bytes (10xxxxxx) and the lead byte they belong to.
        if utf8.count < text.utf8.count {
            var end = utf8.count
            while end > 0 && Array(text.utf8)[end] & 0xC0 == 0x80 { end -= 1 }
            utf8 = Array(utf8.prefix(end))
        }
        return String(decoding: utf8, as: UTF8.self)
    }

    static func fnv1a(_ bytes: [UInt8], salt: UInt64) -> UInt64 {
        var h: UInt64 = 0xcbf2_9ce4_8422_2325 ^ salt
        for b in bytes { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01b3 }
        return h
    }

    static func hex8(_ value: UInt64) -> String {
        let s = String(UInt32(truncatingIfNeeded: value ^ (value >> 32)), radix: 16)
        return String(repeating: "0", count: 8 - s.count) + s
    }
}
