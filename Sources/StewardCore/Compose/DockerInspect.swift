import Foundation

/// `docker inspect` of containers, reduced to what the compose rules read. Pure: the probe runs the command, this
/// reads the JSON array it printed. Fields Docker leaves out (an older engine, a container never started) read as
/// their zero values rather than failing the whole answer.
public enum DockerInspect {
    /// One container, with the Compose labels that place it in a project.
    public struct Container: Sendable, Equatable {
        public var id: String
        public var name: String
        public var project: String?
        public var service: String?
        public var workingDir: String?
        public var configFiles: [String]
        /// A `run` container (a one-off command), not one of the project's services.
        public var oneOff: Bool
        public var facts: ComposeFacts.Service
    }

    public static let projectLabel = "com.docker.compose.project"
    public static let serviceLabel = "com.docker.compose.service"
    public static let workingDirLabel = "com.docker.compose.project.working_dir"
    public static let configFilesLabel = "com.docker.compose.project.config_files"
    public static let oneOffLabel = "com.docker.compose.oneoff"

    public static func containers(fromJSON text: String) throws -> [Container] {
        let raw = try JSONDecoder().decode([Raw].self, from: Data(text.utf8))
        return raw.map { r in
            let labels = r.Config?.Labels ?? [:]
            let name = r.Name.hasPrefix("/") ? String(r.Name.dropFirst()) : r.Name
            let published = (r.NetworkSettings?.Ports ?? [:]).compactMapValues { $0 }
            let bindings = published.isEmpty ? (r.HostConfig?.PortBindings ?? [:]).compactMapValues { $0 } : published
            let ports = bindings.flatMap { key, binds -> [ComposeFacts.Port] in
                let (port, proto) = containerPort(key)
                return binds.compactMap { b in Int(b.HostPort ?? "").map { ComposeFacts.Port(hostIP: b.HostIp ?? "", hostPort: $0, containerPort: port, proto: proto) } }
            }.sorted { ($0.containerPort, $0.hostIP, $0.hostPort) < ($1.containerPort, $1.hostIP, $1.hostPort) }
            let health = r.State?.Health
            let lastCheck = health?.Log?.last.map { "exit \($0.ExitCode ?? -1): " + Redactor.excerpt(($0.Output ?? "").trimmingCharacters(in: .whitespacesAndNewlines), limit: 200) }
            let service = ComposeFacts.Service(
                name: labels[serviceLabel] ?? name, container: name, image: r.Config?.Image ?? "", imageID: r.Image ?? "",
                status: r.State?.Status ?? "unknown", restartCount: r.RestartCount ?? 0, exitCode: r.State?.ExitCode ?? 0,
                oomKilled: r.State?.OOMKilled ?? false, health: health?.Status, healthLog: lastCheck, ports: ports,
                volumes: (r.Mounts ?? []).compactMap { m in
                    guard m.Type == "volume", let name = m.Name, !name.isEmpty, let source = m.Source, source.hasPrefix("/") else { return nil }
                    return ComposeFacts.Volume(name: name, destination: m.Destination ?? "", mountpoint: source)
                })
            return Container(id: r.Id, name: name, project: labels[projectLabel], service: labels[serviceLabel],
                             workingDir: labels[workingDirLabel],
                             configFiles: (labels[configFilesLabel] ?? "").split(separator: ",").map { String($0) }.filter { !$0.isEmpty },
                             oneOff: labels[oneOffLabel]?.lowercased() == "true", facts: service)
        }
    }

    /// `docker image ls --format '{{.Repository}}:{{.Tag}} {{.ID}}'` → tag → image id (untagged `<none>:<none>` left out;
    /// Docker Hub's official images listed as `postgres:15`, as compose files name them).
    public static func imageTags(fromList text: String) -> [String: String] {
        var tags: [String: String] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            guard parts.count == 2, !parts[0].contains("<none>") else { continue }
            tags[String(parts[0])] = String(parts[1])
        }
        return tags
    }

    /// `5432/tcp` → (5432, "tcp").
    static func containerPort(_ key: String) -> (Int, String) {
        let parts = key.split(separator: "/", maxSplits: 1)
        return (Int(parts.first ?? "") ?? 0, parts.count > 1 ? String(parts[1]) : "tcp")
    }

    // The subset of `docker inspect`'s answer read here (its own capitalised names).
    struct Raw: Decodable {
        var Id: String
        var Name: String
        var Image: String?
        var RestartCount: Int?
        var State: State?
        var Config: Config?
        var NetworkSettings: Network?
        var HostConfig: HostConfig?
        var Mounts: [Mount]?

        struct State: Decodable {
            var Status: String?
            var ExitCode: Int?
            var OOMKilled: Bool?
            var Health: Health?
        }
        struct Health: Decodable {
            var Status: String?
            var Log: [Check]?
        }
        struct Check: Decodable {
            var ExitCode: Int?
            var Output: String?
        }
        struct Config: Decodable {
            var Image: String?
            var Labels: [String: String]?
        }
        struct Network: Decodable {
            var Ports: [String: [Binding]?]?
        }
        struct HostConfig: Decodable {
            var PortBindings: [String: [Binding]?]?
        }
        struct Mount: Decodable {
            var `Type`: String?
            var Name: String?
            var Source: String?
            var Destination: String?
        }
        struct Binding: Decodable {
            var HostIp: String?
            var HostPort: String?
        }
    }
}
