import Foundation
import Yams

/// The parts of a compose file Steward reads itself: each service's build context and Dockerfile. Read from the YAML
/// rather than `docker compose config`, which interpolates the `.env` and would print its secrets.
public enum ComposeFile {
    public struct Build: Sendable, Equatable {
        public var service: String
        /// Relative to the project directory, as written (`./services/ui`).
        public var context: String
        /// Relative to the context; `Dockerfile` unless the file says otherwise.
        public var dockerfile: String
    }

    /// The services that build an image, in name order; a file that is not a compose mapping gives none.
    ///
    /// The file is its owner's: it is composed as nodes (aliases share their anchor's node) and only
    /// `services.*.build` is walked, never the whole tree, so anchors that expand exponentially cost nothing.
    public static func builds(_ text: String) throws -> [Build] {
        guard let services = try Yams.compose(yaml: text)?.mapping?["services"]?.mapping else { return [] }
        var builds: [Build] = []
        for (key, service) in services {
            guard let name = key.string, let build = service.mapping?["build"] else { continue }
            if let context = build.string {
                builds.append(Build(service: name, context: context, dockerfile: "Dockerfile"))
            } else if let b = build.mapping {
                builds.append(Build(service: name, context: b["context"]?.string ?? ".", dockerfile: b["dockerfile"]?.string ?? "Dockerfile"))
            }
        }
        return builds.sorted { $0.service < $1.service }
    }

    /// The services `up` starts: every service of the file but those that only run under a profile (`profiles:`).
    public static func services(_ text: String) throws -> [String] {
        guard let services = try Yams.compose(yaml: text)?.mapping?["services"]?.mapping else { return [] }
        return services.compactMap { key, service in
            guard let name = key.string, service.mapping?["profiles"] == nil else { return nil }
            return name
        }.sorted()
    }

    /// `context` under `directory`, normalised (`/opt/pulse` + `./services/ui` → `/opt/pulse/services/ui`); nil for
    /// a remote context (a git URL) or one that leaves the directory tree by `..`.
    public static func path(_ context: String, in directory: String) -> String? {
        guard !context.contains("://"), !context.hasPrefix("git@") else { return nil }
        let joined = context.hasPrefix("/") ? context : directory + "/" + context
        var parts: [Substring] = []
        for part in joined.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                guard !parts.isEmpty else { return nil }
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// Top-level modules a Python file imports: `import a.b, c` → a, c; `from d.e import f` → d (relative imports skipped).
    public static func imports(_ source: String) -> Set<String> {
        var names: Set<String> = []
        for raw in source.split(separator: "\n") {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("from ") {
                let module = line.dropFirst(5).prefix { !$0.isWhitespace }
                if !module.hasPrefix("."), let top = module.split(separator: ".").first { names.insert(String(top)) }
            } else if line.hasPrefix("import ") {
                for item in line.dropFirst(7).split(separator: ",") {
                    let module = item.trimmingCharacters(in: .whitespaces).prefix { !$0.isWhitespace }
                    if let top = module.split(separator: ".").first { names.insert(String(top)) }
                }
            }
        }
        return names
    }
}
