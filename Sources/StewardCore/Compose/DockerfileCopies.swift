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
        /// The `WORKDIR` in force at that copy (`COPY . .` lands there).
        public var workdir: String?

        /// Where a top-level package of the context belongs in the image, for the fix: beside the copied code when
        /// the first copy puts a directory under its own name (`COPY app /app/app` → `/app/`), else in its destination.
        public var packageDirectory: String? {
            guard var destination = firstDestination else { return nil }
            while destination.count > 1 && destination.hasSuffix("/") { destination.removeLast() }
            if destination == "." { destination = workdir ?? "." }
            if !destination.hasPrefix("/"), let workdir { destination = workdir + "/" + destination }
            let name = firstSource.flatMap { $0 == "." ? nil : $0.split(separator: "/").last.map(String.init) }
            let parent = (destination as NSString).deletingLastPathComponent
            // `COPY app /app/app` from WORKDIR /app (run as `python -m app.main`): the package goes beside app/, in
            // the WORKDIR; `COPY app /app` (its contents are the code's root): inside the destination.
            if let name, (destination as NSString).lastPathComponent == name, workdir == nil || workdir == parent {
                return parent.isEmpty ? "./" : (parent == "/" ? "/" : parent + "/")
            }
            return destination == "/" ? "/" : destination + "/"
        }
    }

    public static func parse(_ text: String) -> Copies {
        var copies = Copies(sources: [], firstDestination: nil, firstSource: nil, workdir: nil)
        var workdir: String?
        for instruction in instructions(text) {
            let words = instruction.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
            if words.first?.uppercased() == "WORKDIR", words.count == 2 {
                let dir = String(words[1]).trimmingCharacters(in: .whitespaces)
                workdir = dir.hasPrefix("/") ? dir : (workdir ?? "") + "/" + dir
                continue
            }
            // A new stage starts from scratch: only the last stage's copies make the image.
            if words.first?.uppercased() == "FROM" { (copies, workdir) = (Copies(sources: [], firstDestination: nil, firstSource: nil, workdir: nil), nil); continue }
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
            // The code's copy, not a requirements file's: the first whose source is a directory or the context.
            let code = sources.first { $0 == "." || !($0.split(separator: "/").last ?? "").contains(".") }
            if copies.firstDestination == nil, let code { (copies.firstDestination, copies.firstSource, copies.workdir) = (destination, code, workdir) }
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
