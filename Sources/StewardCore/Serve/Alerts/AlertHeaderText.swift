import Foundation

/// Text that goes into a header: an email's Subject, From and To, an ntfy Title. Summaries come from check output
/// and findings, so a value may hold anything; a line break in it would start a header of its own (`Bcc:` on an
/// email sent with `sendmail -t`, which takes its recipients from the headers).
public enum AlertHeaderText {
    /// One line: every control character (CR, LF, NUL, tab, DEL, the C1 range) and the Unicode line and paragraph
    /// separators become a space, so no value can end its header or line.
    public static func oneLine(_ text: String) -> String {
        let space: Unicode.Scalar = " "
        return String(String.UnicodeScalarView(text.unicodeScalars.map { scalar in
            let v = scalar.value
            return v < 0x20 || (0x7f...0x9f).contains(v) || v == 0x2028 || v == 0x2029 ? space : scalar
        }))
    }

    /// `text` as it is when ASCII, else as RFC 2047 encoded words (`=?UTF-8?B?…?=`), each at most 75 characters and
    /// never splitting a character, joined by `separator`: mail folds them (`"\n "`), HTTP has no folding (`" "`).
    /// Receivers drop the white space between adjacent encoded words. Both mail headers and ntfy (2.4 and later)
    /// decode them; raw UTF-8 in a header is refused or garbled by many.
    public static func encoded(_ text: String, separator: String) -> String {
        guard !text.unicodeScalars.contains(where: { !$0.isASCII }) else {
            return words(text).map { "=?UTF-8?B?" + Data($0).base64EncodedString() + "?=" }.joined(separator: separator)
        }
        return text
    }

    /// 45 bytes (60 base64 characters) at most per word: 12 characters of `=?UTF-8?B?` and `?=` leave 63.
    private static func words(_ text: String) -> [[UInt8]] {
        var words: [[UInt8]] = [[]]
        for character in text {
            let bytes = Array(String(character).utf8)
            if words[words.count - 1].count + bytes.count > 45, !words[words.count - 1].isEmpty { words.append([]) }
            words[words.count - 1] += bytes
        }
        return words
    }

    /// At most `limit` characters, the cut marked with `…`.
    public static func truncated(_ text: String, _ limit: Int) -> String {
        text.count <= limit ? text : String(text.prefix(limit - 1)) + "…"
    }
}
