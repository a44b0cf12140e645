/// logrotate's configuration: the file patterns its blocks rotate.
public enum LogrotateConfig {
    /// The patterns before each `{` (`/opt/app/logs/*.log /var/log/app.log {`), in order. `include` and options are
    /// not patterns; quoted patterns lose their quotes.
    public static func patterns(_ text: String) -> [String] {
        var patterns: [String] = []
        var pending: [String] = []
        var depth = 0
        for raw in text.split(separator: "\n") {
            let words = raw.prefix { $0 != "#" }.split(whereSeparator: { $0 == " " || $0 == "\t" })
                .map { $0.trimmingCharacters(in: .init(charactersIn: "\"'")) }
            // At the top level a line is either file patterns (maybe ending in `{`) or a directive (`include /x`).
            let listsFiles = depth == 0 && (words.first?.hasPrefix("/") == true || words.first?.hasPrefix("{") == true)
            if depth == 0 && !listsFiles && !words.isEmpty { pending = [] }
            for word in words {
                if word.hasSuffix("{") {
                    let head = String(word.dropLast())
                    if depth == 0 { patterns += pending + (head.hasPrefix("/") ? [head] : []) }
                    pending = []
                    depth += 1
                } else if word == "}" {
                    depth = max(0, depth - 1)
                } else if listsFiles && word.hasPrefix("/") {
                    pending.append(word)
                }
            }
        }
        return patterns
    }

    /// The first config file (of `files`: path and text) with a pattern matching `path`; `*` also matches `/`, so a
    /// doubtful match counts as covered rather than as a false alarm.
    public static func covering(_ path: String, files: [(path: String, text: String)]) -> String? {
        files.first { file in patterns(file.text).contains { Glob.matches($0, path) } }?.path
    }
}
