import Foundation

/// What a Dockerfile copies from its build context: the sources of its `COPY` and `ADD` instructions. Seed 003's
/// failure: a new package directory the Dockerfile never copies, so the image starts with `ModuleNotFoundError`.
public enum DockerfileCopies {
    public struct Copies: Sendable, Equatable {
        /// Context-relative sources (`app`, `.`, `requirements.txt`, `src/*.py`), without `./` or a trailing `/`.
        public var sources: [String]
        /// The destination of the first copy from the context (where the app's code goes), for a fix's `COPY` line.
        public var firstDestination: String?
        /// The first source of that copy.
        public var firstSource: String?

        /// Where a top-level package of the context belongs in the image, for the fix: beside the copied code when
        /// the first copy puts a directory under its own name (`COPY app /app/app` → `/app/`), else in its destination.
        public var packageDirectory: String? {
            guard var destination = firstDestination else { return nil }
            while destination.count > 1 && destination.hasSuffix("/") { destination.removeLast() }
            let last = destination.split(separator: "/").last.map(String.init)
            if let source = firstSource, source != ".", let name = source.split(separator: "/").last.map(String.init), name == last {
                let parent = String(destination.dropLast(name.count))
                return parent.isEmpty ? "./" : parent
            }
            return destination + "/"
        }
    }

    public static func parse(_ text: String) -> Copies {
        var copies = Copies(sources: [], firstDestination: nil, firstSource: nil)
        for instruction in instructions(text) {
            let words = instruction.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            guard let keyword = words.first?.uppercased(), keyword == "COPY" || keyword == "ADD", words.count == 2 else { continue }
            var args = arguments(String(words[1]))
            // --from=stage copies out of another image, not the context; other flags (--chown, --chmod, --link) are dropped.
            if args.contains(where: { $0.hasPrefix("--from") }) { continue }
            args.removeAll { $0.hasPrefix("--") }
            guard args.count >= 2 else { continue }
            let destination = args.removeLast()
            let sources = args.filter { !$0.contains("://") }.map(normalize)
            guard !sources.isEmpty else { continue }
            copies.sources += sources
            if copies.firstDestination == nil { (copies.firstDestination, copies.firstSource) = (destination, sources[0]) }
        }
        return copies
    }

    /// Whether a top-level directory of the context reaches the image through one of `sources`: `.` (or `*`) copies
    /// everything, `pkg` or a glob matching it copies it, and a path inside it counts (part of the package is there).
    public static func covers(_ sources: [String], _ directory: String) -> Bool {
        sources.contains { source in
            source.isEmpty || source == "." || source == directory || source.hasPrefix(directory + "/")
                || fnmatch(source, directory, 0) == 0
                || (source.hasSuffix("/*") && fnmatch(String(source.dropLast(2)), directory, 0) == 0)
        }
    }

    /// Logical lines: comments dropped, `\` continuations joined (a Dockerfile's default escape character).
    static func instructions(_ text: String) -> [String] {
        var result: [String] = []
        var current = ""
        for raw in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("#") { continue }
            if line.hasSuffix("\\") {
                current += line.dropLast() + " "
                continue
            }
            current += line
            if !current.trimmingCharacters(in: .whitespaces).isEmpty { result.append(current.trimmingCharacters(in: .whitespaces)) }
            current = ""
        }
        if !current.isEmpty { result.append(current.trimmingCharacters(in: .whitespaces)) }
        return result
    }

    /// The exec form (`["a", "b", "/dest/"]`) or words separated by whitespace.
    static func arguments(_ text: String) -> [String] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if trimmed.hasPrefix("["), let data = trimmed.data(using: .utf8),
           let array = try? JSONSerialization.jsonObject(with: data) as? [String] {
            return array
        }
        return trimmed.split(whereSeparator: \.isWhitespace).map(String.init)
    }

    static func normalize(_ source: String) -> String {
        var s = source
        while s.hasPrefix("./") { s.removeFirst(2) }
        while s.count > 1 && s.hasSuffix("/") { s.removeLast() }
        return s
    }
}
