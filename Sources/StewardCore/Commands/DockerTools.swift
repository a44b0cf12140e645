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
}
