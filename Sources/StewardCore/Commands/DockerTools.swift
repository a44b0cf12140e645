/// The `docker` command lines of the compose probe: Steward reads what the engine says through its own CLI rather
/// than its socket's API, as an operator would.
public enum Docker {
    /// Every container Compose made (its project label), running or not, by full id.
    public static func composeContainers() -> Command {
        Command("docker", ["ps", "--all", "--quiet", "--no-trunc", "--filter", "label=" + DockerInspect.projectLabel])
    }

    /// The containers of one service of a Compose project, running or not, by full id.
    public static func serviceContainers(project: String, service: String) -> Command {
        Command("docker", ["ps", "--all", "--quiet", "--no-trunc", "--filter", "label=\(DockerInspect.projectLabel)=\(project)",
                           "--filter", "label=\(DockerInspect.serviceLabel)=\(service)"])
    }

    /// The containers' state, config and ports as one JSON array.
    public static func inspect(_ ids: [String]) -> Command { Command("docker", ["container", "inspect", "--"] + ids) }

    /// The container's log over the last hours (its stdout and stderr), the newest `tail` lines at most.
    public static func logs(_ container: String, sinceHours: Int, tail: Int) -> Command {
        Command("docker", ["logs", "--since", "\(sinceHours)h", "--tail", String(tail), "--", container])
    }

    /// Whether the Compose plugin is there (`docker compose version` exits 0).
    public static func composePluginVersion() -> Command { Command("docker", ["compose", "version", "--short"]) }

    /// Every local image as `REPOSITORY:TAG ID` lines: which image each tag names now.
    public static func imageTags() -> Command {
        Command("docker", ["image", "ls", "--no-trunc", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}"])
    }

    /// The running container of one service of a Compose project (the one a backup or a restore works in).
    public static func runningServiceContainer(project: String, service: String) -> Command {
        Command("docker", ["ps", "--quiet", "--no-trunc", "--filter", "label=\(DockerInspect.projectLabel)=\(project)",
                           "--filter", "label=\(DockerInspect.serviceLabel)=\(service)", "--filter", "label=\(DockerInspect.oneOffLabel)=False",
                           "--filter", "status=running"])
    }

    /// The project's running containers as `NAME SERVICE` lines (its one-off `run` containers left out).
    public static func runningProjectContainers(project: String) -> Command {
        Command("docker", ["ps", "--no-trunc", "--filter", "label=\(DockerInspect.projectLabel)=\(project)",
                           "--filter", "label=\(DockerInspect.oneOffLabel)=False", "--filter", "status=running",
                           "--format", "{{.Names}} {{.Label \"\(DockerInspect.serviceLabel)\"}}"])
    }

    /// Only the `NAME=value` lines of the container's environment whose names are in `names`: the template picks them
    /// inside docker, so the other variables (`POSTGRES_PASSWORD`) never reach Steward.
    public static func environment(_ container: String, names: [String]) -> Command {
        let test = names.map { "(eq $k \"\($0)\")" }.joined(separator: " ")
        let condition = names.count == 1 ? test : "or \(test)"
        let template = "{{range .Config.Env}}{{$k := index (split . \"=\") 0}}{{if \(condition)}}{{println .}}{{end}}{{end}}"
        return Command("docker", ["container", "inspect", "--format", template, "--", container])
    }

    /// `argv` run inside the container (`docker exec`); with `stdin`, the command reads Steward's standard input
    /// (`-i`), which the caller gives as a file (a backup for `pg_restore`). The container is an id from `docker ps`.
    public static func exec(_ container: String, _ argv: [String], stdin: Bool = false) -> Command {
        Command("docker", ["exec"] + (stdin ? ["-i"] : []) + [container] + argv)
    }

    /// Stops containers (their restart policy does not start them again until `docker start`).
    public static func stop(_ containers: [String]) -> Command { Command("docker", ["stop", "--"] + containers) }

    /// Starts stopped containers again.
    public static func start(_ containers: [String]) -> Command { Command("docker", ["start", "--"] + containers) }
}

extension Docker {
    /// Gives an image (by id) a name: before a build, the images the project runs get a tag of Steward's so a prune
    /// cannot drop them while a rollback may need them; a rollback names them again as the services' images.
    public static func tag(_ imageID: String, as reference: String) -> Command {
        Command("docker", ["image", "tag", imageID, reference])
    }
}

/// The Compose CLI of a host on one project: `docker compose` (the plugin) or `docker-compose` (v1), with the project's
/// name and files spelled out, run in the project's directory (its `.env` is read from there).
public struct ComposeCLI: Sendable, Equatable {
    /// `["docker", "compose"]` or `["docker-compose"]`.
    public var base: [String]
    public var project: String
    /// Absolute paths; empty: Compose's own default file in `directory`.
    public var files: [String]
    public var directory: String
    /// `--env-file`, absolute; nil: Compose's own `.env` of the directory.
    public var envFile: String?

    public init(cli: String, project: String, files: [String], directory: String, envFile: String? = nil) {
        self.base = cli.split(separator: " ").map(String.init)
        self.project = project
        self.files = files
        self.directory = directory
        self.envFile = envFile
    }

    func command(_ arguments: [String]) -> Command {
        Command(base[0], Array(base.dropFirst()) + ["--project-name", project] + files.flatMap { ["--file", $0] }
                + (envFile.map { ["--env-file", $0] } ?? []) + arguments,
                workingDirectory: directory)
    }

    /// Builds the services' images from the checkout.
    public func build() -> Command { command(["build"]) }

    /// Creates or recreates the containers whose image or configuration changed, without building: the images a build
    /// made, or for a rollback the previous images named again.
    public func up() -> Command { command(["up", "--detach", "--no-build"]) }
}
