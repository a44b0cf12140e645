import Foundation
import StewardCore

/// The Docker Compose projects the host runs, found as Compose labels its containers: their state (`docker container
/// inspect`), each container's log over the window (`docker logs --since`, side by side), the project's `.env`, and
/// the Python packages of each build context that the service's Dockerfile never copies while the copied code imports
/// them. Files of the project are read, never run.
enum ComposeProbe {
    /// Lines of a container's log read at most: a container restarting in a loop prints the same traceback each time.
    static let logTail = 2000

    /// `logs: false` leaves the containers' logs and the migrations' state unread (an operation needs the projects,
    /// not what only the audit judges).
    /// `units`: the host's systemd units; those that run `docker compose up` declare their projects (``ComposeUnit``).
    static func gather(_ ctx: ProbeContext, manifest: Manifest = .empty, logs readLogs: Bool = true, units: [UnitFacts] = []) async throws -> [ComposeFacts] {
        let declared = manifest.apps.filter { $0.kind == .compose && $0.directory != nil }
        // A disabled, inactive unit declares nothing: the project is not meant to run.
        let unitProjects = units.filter { $0.activeState == "active" || $0.activeState == "activating" || $0.unitFileState.hasPrefix("enabled") }
            .compactMap(ComposeUnit.parse)
        // No engine, nothing to audit: a host with the client alone is not a host with compose apps. dockerd's pid file,
        // not its socket: with docker.socket enabled the socket exists while dockerd is stopped, and asking it would
        // start dockerd (and every `restart: always` container) just to be audited.
        guard ["/run/docker.pid", "/var/run/docker.pid"].contains(where: ctx.files.exists) else {
            if !declared.isEmpty { throw ProbeFailure("Docker is not running here (no /run/docker.pid), yet the manifest declares compose projects: \(declared.map(\.name).joined(separator: ", "))") }
            throw ProbeSkipped("Docker is not running here: no /run/docker.pid")
        }
        let ids: String
        switch await ctx.runner.run(Docker.composeContainers(), timeout: ctx.commandTimeout) {
        case .success(let r) where r.exitCode == 0: ids = r.stdout
        case .success(let r): throw ProbeFailure("docker ps exited \(r.exitCode): \(Redactor.scrub(String(r.stderr.split(separator: "\n").first ?? "")))")
        case .failure(.notFound): throw ProbeSkipped("Docker is not installed: no docker command")
        case .failure(let e): throw ProbeFailure(e.description)
        }
        let containerIDs = ids.split(separator: "\n").map { String($0) }.filter { !$0.isEmpty }
        guard !containerIDs.isEmpty || !declared.isEmpty || !unitProjects.isEmpty else { throw ProbeSkipped("no container of a compose project") }
        let containers = try await inspect(ctx, containerIDs).filter { !$0.oneOff }
        let cli = await composeCLI(ctx)
        // Which image each tag names now (nil when that could not be listed: then no tag is judged).
        let tags = (try? await ctx.output(Docker.imageTags())).map(DockerInspect.imageTags(fromList:))
        // Each container's log, a few at a time.
        let logs = await withTaskGroup(of: (String, UnitLogFacts?).self) { group in
            var byID: [String: UnitLogFacts] = [:]
            var pending = containers[...]
            func start() {
                guard readLogs, let c = pending.popFirst() else { return }
                group.addTask {
                    guard case .success(let r) = await ctx.runner.run(Docker.logs(c.id, sinceHours: ctx.windowHours, tail: logTail), timeout: ctx.commandTimeout),
                          r.exitCode == 0 else { return (c.id, nil) }
                    return (c.id, JournalAnalyzer.logFacts(name: c.name, lines: r.stdout + "\n" + r.stderr))
                }
            }
            for _ in 0..<logsAtOnce { start() }
            for await (id, facts) in group {
                byID[id] = facts
                start()
            }
            return byID
        }
        let byProject = Dictionary(grouping: containers) { $0.project ?? "" }
        // The manifest's projects by name: each is judged even without a container.
        var apps: [String: AppSpec] = [:]
        for app in declared { apps[app.compose?.project ?? ComposeSpec.defaultProject(directory: app.directory ?? "")] = app }
        var byUnit: [String: ComposeUnit] = [:]
        for u in unitProjects where byUnit[u.project] == nil { byUnit[u.project] = u }
        var projects: [ComposeFacts] = []
        for name in Set(byProject.keys).union(apps.keys).union(byUnit.keys).sorted() {
            let members = byProject[name] ?? []
            let app = apps[name]
            let unit = byUnit[name]
            guard let directory = app?.directory ?? unit?.directory ?? members.compactMap(\.workingDir).first else { continue }
            let declaredFiles = (app?.compose?.files ?? []).map { directory + "/" + $0 } + (app == nil ? unit?.files ?? [] : [])
            let labelled = members.first { !$0.configFiles.isEmpty }?.configFiles.map { $0.hasPrefix("/") ? $0 : directory + "/" + $0 } ?? []
            let files = !declaredFiles.isEmpty ? declaredFiles : !labelled.isEmpty ? labelled
                : ComposeSpec.defaultFiles.map { directory + "/" + $0 }.filter(ctx.files.exists).prefix(1).map { $0 }
            var project = ComposeFacts(project: name, workingDir: directory, configFiles: files, cli: cli, app: app?.name,
                                       declaredServices: app?.compose?.services ?? [])
            project.unit = unit?.unit
            project.services = members.map { c in
                var s = c.facts
                s.logs = logs[c.id]
                if let tags, let tagged = s.taggedImage {
                    (s.tagImageID, s.tagChecked) = (tags[tagged], true)
                }
                return s
            }.sorted { ($0.name, $0.container) < ($1.name, $1.container) }
            let files_ = ctx.files
            let envFile = app?.compose?.envFile ?? ".env"
            let read = await BlockingCall.run(on: files_.path(directory), timeout: ctx.commandTimeout) {
                readProject(files_, directory: directory, configFiles: files, envFile: envFile)
            }
            guard let read else {
                project.unreadable = ["\(directory) " + FilesProbe.didNotAnswer(ctx)]
                projects.append(project)
                continue
            }
            let fileServices: [String]
            (project.env, project.uncopied, project.unreadable, project.built, fileServices) = read
            // A unit that runs `up` means the services it names, else every service of the file (but a profile's).
            if app == nil, let unit { project.unitServices = unit.services.isEmpty ? fileServices : unit.services }
            if readLogs, let database = members.first(where: { $0.facts.isPostgres && $0.facts.status == "running" }) {
                project.migrations = await ComposeMigrationsProbe.gather(ctx, project: project, containerID: database.id, service: database.facts.name,
                                                                        directory: app?.deploy?.migrations.directory ?? MigrationSpec().directory)
            }
            projects.append(project)
        }
        return projects
    }

    /// `docker logs` run at once: each holds a pipe of up to the runner's output limit.
    static let logsAtOnce = 8

    /// `docker container inspect` of the ids, 100 at a time. A container removed since `docker ps` (a `run --rm`)
    /// makes inspect exit 1 with the others still printed: that answer is used.
    static func inspect(_ ctx: ProbeContext, _ ids: [String]) async throws -> [DockerInspect.Container] {
        var containers: [DockerInspect.Container] = []
        var rest = ids[...]
        while !rest.isEmpty {
            let batch = Array(rest.prefix(100))
            rest = rest.dropFirst(100)
            switch await ctx.runner.run(Docker.inspect(batch), timeout: ctx.commandTimeout) {
            case .success(let r) where r.exitCode == 0 || (r.exitCode == 1 && r.stdout.hasPrefix("[")):
                containers += try DockerInspect.containers(fromJSON: r.stdout)
            case .success(let r):
                throw ProbeFailure("docker container inspect exited \(r.exitCode): \(Redactor.scrub(String(r.stderr.split(separator: "\n").first ?? "")))")
            case .failure(let e):
                throw ProbeFailure(e.description)
            }
        }
        return containers
    }

    /// `docker compose` when the plugin answers, else `docker-compose` when v1 is installed.
    static func composeCLI(_ ctx: ProbeContext) async -> String {
        if case .success(let r) = await ctx.runner.run(Docker.composePluginVersion(), timeout: ctx.commandTimeout), r.exitCode == 0 { return "docker compose" }
        return CommandRunner.resolve("docker-compose") != nil ? "docker-compose" : "docker compose"
    }

    /// The project's `.env` and the packages its build contexts leave out of their images.
    static func readProject(_ files: HostFiles, directory: String, configFiles: [String], envFile: String = ".env") -> (EnvFileFacts?, [ComposeFacts.UncopiedPackage], [String], [String], [String]) {
        // The project's tree is its owner's: every file is read without following a link (a `docker-compose.yml`
        // linked to a root-only file is refused, not read and quoted), and only inside the directory.
        func read(_ path: String, limit: Int) throws -> String {
            guard path.hasPrefix(directory + "/") else { throw ProbeFailure("\(path) is outside the project directory \(directory)") }
            let parent = (path as NSString).deletingLastPathComponent, name = (path as NSString).lastPathComponent
            return try SafeRead.text(name, in: files.path(parent), limit: limit, display: parent)
        }
        /// The first line of a reason: a YAML error quotes the offending line, which may hold a secret.
        func reason(_ error: any Error) -> String { Redactor.scrub(String(String(describing: error).split(separator: "\n").first ?? "")) }
        let envPath = directory + "/" + envFile
        let env = files.exists(envPath) ? FilesProbe.envFile(files, envPath, read: { try read($0, limit: BoundedFile.defaultLimit) }) : nil
        var uncopied: [ComposeFacts.UncopiedPackage] = []
        var unreadable: [String] = []
        var built: [String] = []
        var services: [String] = []
        for file in configFiles {
            let builds: [ComposeFile.Build]
            do {
                let text = try read(file, limit: 1 << 20)
                builds = try ComposeFile.builds(text)
                for s in try ComposeFile.services(text) where !services.contains(s) { services.append(s) }
            } catch {
                unreadable.append("\(file): \(reason(error))")
                continue
            }
            for build in builds {
                if !built.contains(build.service) { built.append(build.service) }
                guard let context = ComposeFile.path(build.context, in: directory),
                      context == directory || context.hasPrefix(directory + "/") else { continue }
                let dockerfile = ComposeFile.path(build.dockerfile, in: context) ?? context + "/Dockerfile"
                let text: String
                do { text = try read(dockerfile, limit: 1 << 20) } catch {
                    unreadable.append("\(dockerfile): \(reason(error))")
                    continue
                }
                let copies = DockerfileCopies.parse(text)
                let packages = files.list(context).filter { files.exists("\(context)/\($0)/__init__.py") }
                let left = packages.filter { !DockerfileCopies.covers(copies.sources, $0) }
                guard !left.isEmpty else { continue }
                let imported = importsOfCopiedCode(files, context: context, sources: copies.sources, read: read)
                for package in left where imported.contains(package) {
                    uncopied.append(ComposeFacts.UncopiedPackage(service: build.service, dockerfile: dockerfile, package: package, copiedTo: copies.packageDirectory))
                }
            }
        }
        return (env, uncopied, unreadable, built, services.sorted())
    }

    /// Top-level modules imported by the Python files the Dockerfile copies (at most 400 files, 4 levels deep).
    static func importsOfCopiedCode(_ files: HostFiles, context: String, sources: [String], read: (String, Int) throws -> String) -> Set<String> {
        var names: Set<String> = []
        var budget = 400
        func visit(_ path: String, depth: Int) {
            guard budget > 0 else { return }
            if path.hasSuffix(".py") {
                budget -= 1
                if let text = try? read(path, 256 * 1024) { names.formUnion(ComposeFile.imports(text)) }
                return
            }
            guard depth < 4, files.linkTarget(path) == nil else { return }
            for entry in files.list(path) where !entry.hasPrefix(".") { visit(path + "/" + entry, depth: depth + 1) }
        }
        for source in sources where !source.contains("*") {
            guard let path = ComposeFile.path(source, in: context), path.hasPrefix(context) else { continue }
            visit(path, depth: 0)
        }
        return names
    }
}
