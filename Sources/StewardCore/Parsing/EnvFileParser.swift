/// Parses a systemd `EnvironmentFile=` exactly as systemd's `load_env_file` does (src/basic/env-file.c), so Steward
/// sees the environment the unit gets and nothing else:
/// - `KEY=value`; whitespace around the key and before the value is dropped, trailing whitespace of an unquoted
///   value too; a line without `=` is ignored;
/// - `'single'` quotes keep everything literally, newlines included; `"double"` quotes too, except that `\"`, `\\`,
///   `` \` `` and `\$` are unescaped, a backslash before a newline joins the lines, and before any other character
///   stays as it is; quoted and unquoted pieces concatenate (`A="x"'y'z` is `xyz`);
/// - an unquoted backslash takes the next character literally, and a backslash at the end of a line continues the
///   value on the next line;
/// - `#` or `;` as the first non-blank character of a line starts a comment (a backslash at its end does not continue
///   it: systemd ≥ 254);
/// - no `export`: `export KEY=v` names the variable `export KEY`, which systemd drops as invalid, as it drops every
///   name that is not letters, digits and `_` not starting with a digit, and values that are not UTF-8.
/// A line inside a quoted multi-line value (a PEM body whose line ends in `=`) is part of that value, never a key.
public enum EnvFileParser {
    public static func parse(_ text: String) -> [(key: String, value: String)] {
        parseAll(text).filter { isValidName($0.key) }
    }

    /// Every assignment systemd's parser yields, valid names or not (later duplicates not merged).
    public static func parseAll(_ text: String) -> [(key: String, value: String)] {
        enum State { case preKey, key, preValue, value, valueEscape, single, double, doubleEscape, comment }
        var state = State.preKey
        var key: [UInt8] = [], value: [UInt8] = []
        var keyTrailingSpace: Int? = nil, valueTrailingSpace: Int? = nil
        var result: [(String, String)] = []
        func isNewline(_ c: UInt8) -> Bool { c == 10 || c == 13 }
        func isSpace(_ c: UInt8) -> Bool { c == 32 || c == 9 || c == 10 || c == 13 }
        func push(chompValue: Bool) {
            if let k = keyTrailingSpace { key.removeSubrange(k...) }
            if chompValue, let v = valueTrailingSpace { value.removeSubrange(v...) }
            // systemd ignores (with a warning) an assignment whose key or value is not valid UTF-8.
            if let k = String(validating: key, as: UTF8.self), let v = String(validating: value, as: UTF8.self) { result.append((k, v)) }
            key = []; value = []
        }
        for c in text.utf8 {
            if c == 0 { break }  // systemd reads a C string
            switch state {
            case .preKey:
                if c == UInt8(ascii: "#") || c == UInt8(ascii: ";") { state = .comment }
                else if !isSpace(c) { state = .key; keyTrailingSpace = nil; key.append(c) }
            case .key:
                if isNewline(c) { state = .preKey; key = [] }
                else if c == UInt8(ascii: "=") { state = .preValue; valueTrailingSpace = nil }
                else {
                    if !isSpace(c) { keyTrailingSpace = nil } else if keyTrailingSpace == nil { keyTrailingSpace = key.count }
                    key.append(c)
                }
            case .preValue:
                if isNewline(c) { state = .preKey; push(chompValue: false) }
                else if c == UInt8(ascii: "'") { state = .single }
                else if c == UInt8(ascii: "\"") { state = .double }
                else if c == UInt8(ascii: "\\") { state = .valueEscape }
                else if !isSpace(c) { state = .value; value.append(c) }
            case .value:
                if isNewline(c) { state = .preKey; push(chompValue: true) }
                else if c == UInt8(ascii: "\\") { state = .valueEscape; valueTrailingSpace = nil }
                else {
                    if !isSpace(c) { valueTrailingSpace = nil } else if valueTrailingSpace == nil { valueTrailingSpace = value.count }
                    value.append(c)
                }
            case .valueEscape:
                state = .value
                if !isNewline(c) { value.append(c) }  // an escaped newline is eaten: the value continues
            case .single:
                if c == UInt8(ascii: "'") { state = .preValue } else { value.append(c) }
            case .double:
                if c == UInt8(ascii: "\"") { state = .preValue }
                else if c == UInt8(ascii: "\\") { state = .doubleEscape }
                else { value.append(c) }
            case .doubleEscape:
                state = .double
                if [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "`"), UInt8(ascii: "$")].contains(c) { value.append(c) }
                else if c != 10 { value.append(UInt8(ascii: "\\")); value.append(c) }
            case .comment:
                if isNewline(c) { state = .preKey }
            }
        }
        switch state {
        case .preValue, .valueEscape, .single, .double, .doubleEscape: push(chompValue: false)
        case .value: push(chompValue: true)
        case .preKey, .key, .comment: break
        }
        return result
    }

    /// systemd's (and bash's) rule for a variable name: letters, digits and `_`, not starting with a digit.
    public static func isValidName(_ name: String) -> Bool {
        guard let first = name.utf8.first, !(UInt8(ascii: "0")...UInt8(ascii: "9")).contains(first) else { return false }
        return name.utf8.allSatisfy { ($0 >= 65 && $0 <= 90) || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) || $0 == 95 }
    }
}
