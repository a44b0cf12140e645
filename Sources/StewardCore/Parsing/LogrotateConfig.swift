/// logrotate's configuration: the file patterns its blocks rotate.
public enum LogrotateConfig {
    /// The patterns before each `{` (`/opt/app/logs/*.log /var/log/app.log {`), in order. `include` and options are
    /// not patterns; quoted patterns lose their quotes.
    public static func patterns(_ text: String) -> [String] {
        var patterns: [String] = []
        var pending: [String] = []
        var depth = 0
        for raw in text.split(separator: "\n") {
            let line = raw.prefix { $0 != "#" }
            for word in line.split(whereSeparator: { $0 == " " || $0 == "\t" }) {
                if word == "{" || word.hasSuffix("{") {
                    let head = word.dropLast()
                    if depth == 0 { patterns += pending + (head.isEmpty ? [] : [String(head)]) }
                    pending = []
                    depth += 1
                } else if word == "}" {
                    depth = max(0, depth - 1)
                } else if depth == 0 {
                    let w = word.trimmingCharacters(in: .init(charactersIn: "\"'"))
                    if w.hasPrefix("/") { pending.append(w) } else { pending = [] }
                }
            }
        }
        return patterns.filter { $0.hasPrefix("/") }
    }

    /// The first config file (of `files`: path and text) with a pattern matching `path`; `*` also matches `/`, so a
    /// doubtful match counts as covered rather than as a false alarm.
    public static func covering(_ path: String, files: [(path: String, text: String)]) -> String? {
        files.first { file in patterns(file.text).contains { Glob.matches($0, path) } }?.path
    }
}
