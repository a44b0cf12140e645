/// A systemd unit that runs a Compose project (`ExecStart=/usr/bin/docker compose up -d`, or `docker-compose … up`,
/// in the project's `WorkingDirectory=`): how a host without a manifest says which projects it means to run, even
/// while their containers are gone. Such a unit is the project, not an app instance of its own.
///
/// Read as Compose reads its command line: `-p`/`--project-name` (else the project directory's name), `-f`/`--file`
/// (relative to the working directory), `--project-directory` (else the first file's directory, else the working
/// directory), and the services `up` names. A `name:` in the compose file or `COMPOSE_PROJECT_NAME` in the
/// environment are not read: such a project is still found by its containers' labels.
public struct ComposeUnit: Sendable, Equatable {
    public var unit: String
    public var directory: String
    public var project: String
    /// `-f`/`--file`, absolute; empty: Compose's default file.
    public var files: [String]
    /// The services `up` names; empty: every service.
    public var services: [String] = []

    public init(unit: String, directory: String, project: String, files: [String], services: [String] = []) {
        self.unit = unit
        self.directory = directory
        self.project = project
        self.files = files
        self.services = services
    }

    /// Global options that take a value (the next word, or `--opt=value`).
    static let valued: Set<String> = ["-p", "--project-name", "-f", "--file", "--project-directory", "--env-file", "--profile", "--ansi",
                                      "--parallel", "--progress", "-H", "--host", "--context", "-c", "--log-level"]
    /// `up`'s options that take a value.
    static let upValued: Set<String> = ["--scale", "-t", "--timeout", "--wait-timeout", "--exit-code-from", "--attach", "--no-attach", "--pull"]

    /// The project `unit` runs, or nil when it does not run `docker compose up` / `docker-compose up`.
    public static func parse(_ unit: UnitFacts) -> ComposeUnit? {
        let argv = unit.execStart
        guard let program = argv.first?.split(separator: "/").last.map(String.init) else { return nil }
        var rest: ArraySlice<String>
        switch program {
        case "docker-compose": rest = argv.dropFirst()
        case "docker" where argv.dropFirst().first == "compose": rest = argv.dropFirst(2)
        default: return nil
        }
        let working = unit.workingDirectory
        var projectDirectory: String?
        var project: String?
        var files: [String] = []
        func option(_ word: String, _ rest: inout ArraySlice<String>, valued: Set<String>) -> (String, String?) {
            if word.hasPrefix("--"), let eq = word.firstIndex(of: "=") { return (String(word[..<eq]), String(word[word.index(after: eq)...])) }
            if word.hasPrefix("-p"), word.count > 2, !word.hasPrefix("--") { return ("-p", String(word.dropFirst(2))) }
            if word.hasPrefix("-f"), word.count > 2, !word.hasPrefix("--") { return ("-f", String(word.dropFirst(2))) }
            guard valued.contains(word) else { return (word, nil) }
            defer { rest = rest.dropFirst() }
            return (word, rest.first)
        }
        while let word = rest.first {
            rest = rest.dropFirst()
            if word.hasPrefix("-") {
                let (name, value) = option(word, &rest, valued: valued)
                switch name {
                case "-p", "--project-name": project = value
                case "-f", "--file": if let value { files.append(value) }
                case "--project-directory": projectDirectory = value
                default: break
                }
                continue
            }
            guard word == "up" else { return nil }
            let absolute = files.compactMap { f -> String? in f.hasPrefix("/") ? f : (working.hasPrefix("/") ? working + "/" + f : nil) }
            guard absolute.count == files.count else { return nil }
            let directory = projectDirectory.map { $0.hasPrefix("/") || !working.hasPrefix("/") ? $0 : working + "/" + $0 }
                ?? absolute.first.map { String($0[..<($0.lastIndex(of: "/") ?? $0.startIndex)]) } ?? working
            guard directory.hasPrefix("/") else { return nil }
            var services: [String] = []
            while let word = rest.first {
                rest = rest.dropFirst()
                if word.hasPrefix("-") { _ = option(word, &rest, valued: upValued) } else { services.append(word) }
            }
            return ComposeUnit(unit: unit.name, directory: directory, project: project ?? ComposeSpec.defaultProject(directory: directory),
                               files: absolute, services: services)
        }
        return nil
    }
}
