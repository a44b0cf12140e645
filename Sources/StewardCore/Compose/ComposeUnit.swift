/// A systemd unit that runs a Compose project (`ExecStart=/usr/bin/docker compose up -d`, or `docker-compose … up`,
/// in the project's `WorkingDirectory=`): how a host without a manifest says which projects it means to run, even
/// while their containers are gone. Such a unit is the project, not an app instance of its own.
public struct ComposeUnit: Sendable, Equatable {
    public var unit: String
    public var directory: String
    /// `-p`/`--project-name`, else Compose's default: the directory's name.
    public var project: String
    /// `-f`/`--file`, absolute; empty: Compose's default file.
    public var files: [String]

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
        var directory = unit.workingDirectory
        var project: String?
        var files: [String] = []
        // Global options before the subcommand; those with a value take the next word (or `--opt=value`).
        let valued: Set<String> = ["-p", "--project-name", "-f", "--file", "--project-directory", "--env-file", "--profile", "--ansi", "--parallel", "--progress", "-H", "--host", "--context", "-c", "--log-level"]
        while let word = rest.first {
            rest = rest.dropFirst()
            var (name, value) = (word, nil as String?)
            if word.hasPrefix("--"), let eq = word.firstIndex(of: "=") { (name, value) = (String(word[..<eq]), String(word[word.index(after: eq)...])) }
            if name.hasPrefix("-") {
                if valued.contains(name), value == nil { value = rest.first; rest = rest.dropFirst() }
                switch name {
                case "-p", "--project-name": project = value
                case "-f", "--file": if let value { files.append(value) }
                case "--project-directory": if let value { directory = value }
                default: break
                }
                continue
            }
            guard word == "up", directory.hasPrefix("/") else { return nil }
            let absolute = files.map { $0.hasPrefix("/") ? $0 : directory + "/" + $0 }
            return ComposeUnit(unit: unit.name, directory: directory, project: project ?? ComposeSpec.defaultProject(directory: directory), files: absolute)
        }
        return nil
    }
}
