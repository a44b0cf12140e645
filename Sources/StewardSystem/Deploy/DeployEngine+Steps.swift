import Crypto
import Foundation
import StewardCore

extension DeployEngine {
    /// What serves now: the checkout's commit (in place), or the release `current` points at.
    func currentRelease() async throws -> (commit: String?, ref: String?, release: String?) {
        let history = try state.deploys(app: target.app, instance: target.instance, limit: 200)
        switch target.spec.strategy {
        case .inPlace:
            let dir = target.directory
            guard let commit = try? await output(commands.git(Git.head(dir: dir))) else { return (nil, nil, dir) }
            let known = history.first { $0.status == .succeeded && $0.commit == commit }?.ref
            let tag = known == nil ? (try? await output(commands.git(Git.tags(at: commit, dir: dir))))?.split(separator: "\n").first.map(String.init) : nil
            return (commit, known ?? tag, dir)
        case .releases, .blueGreen:
            guard let dest = files.readLink(target.currentLink) else { return (nil, nil, nil) }
            let release = dest.hasPrefix("/") ? dest : target.directory + "/" + dest
            let known = history.first { $0.release == release && $0.status == .succeeded }
            // A release Steward did not deploy is named by its directory (`v1.0.0-20260101T000000.000`).
            return (known?.commit, known?.ref ?? URL(fileURLWithPath: release).lastPathComponent, release)
        }
    }

    /// A short read-only command's output, trimmed.
    func output(_ command: Command) async throws -> String {
        try await tools.run(command, timeout: .seconds(60)).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: 1. preflight

    func preflight(_ request: DeployRequest) async throws -> StepOutcome {
        let spec = target.spec
        guard RefPolicy.isSafeRef(request.ref) else { throw DeployRefusal("\"\(request.ref.prefix(60))\" is not a usable tag, branch or commit name") }
        var notes: [String] = []
        // Tools the plan needs.
        var needed = ["git"]
        if target.databases.contains(where: { $0.kind == .postgres }) { needed += ["pg_dump", "pg_restore"] }
        for tool in needed where host.tool(tool) == nil { throw DeployRefusal("\(tool) is not installed (needed by this deploy)") }
        if let venv = target.venv, !files.isExecutable(venv + "/bin/python") {
            throw DeployRefusal("the venv's python \(venv)/bin/python does not exist")
        }
        // Who runs the app's code (pip, migrations, build steps, hooks): never root, so without an app user the deploy
        // is refused here, before anything changes, rather than halfway.
        // A Compose project's migrations run inside its database's container, its build as the project's owner.
        if target.compose == nil, target.venv != nil || !spec.build.isEmpty || spec.migrations.kind != .none {
            do { _ = try commands.appUser() } catch { throw DeployRefusal("\(error)") }
        }
        // Disk.
        let free = host.freeBytes(target.directory)
        if let free, free < spec.minFreeBytes {
            throw DeployRefusal("only \(Format.bytes(free)) free on the filesystem of \(target.directory); a deploy needs \(Format.bytes(spec.minFreeBytes)) (deploy.min_free)")
        }
        // The ref.
        let resolved = try await resolveRef(request.ref, fetch: false)
        switch RefPolicy.decide(ref: request.ref, isTag: resolved.isTag, production: target.production,
                                allowUntagged: request.allowUntagged, reason: request.reason) {
        case .refused(let why): throw DeployRefusal(why)
        case .allowed: break
        }
        // The working tree.
        if let note = try await checkWorkingTree(force: request.force, reason: request.reason) { notes.append(note) }
        if !resolved.isTag { notes.append("untagged ref: \(request.reason ?? "not production")") }
        captureNginxSites()
        if !record.nginxSites.isEmpty && host.tool("nginx") == nil {
            throw DeployRefusal("nginx is not installed, but \(record.nginxSites.keys.sorted().joined(separator: ", ")) (a site of this release) is in its configuration")
        }
        if target.spec.strategy == .blueGreen { notes.append(try slotsPreflight()) }
        if target.compose != nil { notes.append(try composePreflight()) }
        if let commit = resolved.commit { record.commit = commit }
        if let expected = request.expectedCommit, let commit = resolved.commit, commit != expected {
            throw DeployRefusal("\(request.ref) names \(commit.prefix(12)) here but \(expected.prefix(12)) where it is promoted from; the tag was moved")
        }
        let what = resolved.commit.map { "\(request.ref) is \(String($0.prefix(12)))\(resolved.isTag ? " (tag)" : "")" } ?? "\(request.ref) will be fetched"
        return .done(([what, free.map { "\(Format.bytes($0)) free" }].compactMap { $0 } + notes).joined(separator: "; "))
    }

    /// In place, uncommitted changes in the checkout are refused with `git diff --stat`, unless forced with a
    /// reason (returns the note recorded then). A resumed deploy asks again: `--resume` is not `--force`.
    func checkWorkingTree(force: Bool, reason: String?, refusal: String = "commit or stash them, or pass --force --reason \"…\"") async throws -> String? {
        guard target.spec.strategy == .inPlace else { return nil }
        guard files.exists(target.directory + "/.git") else {
            throw DeployRefusal("\(target.directory) is not a git checkout; the in-place strategy deploys by git checkout")
        }
        let status = try await tools.run(commands.git(Git.statusPorcelain(dir: target.directory)), timeout: .seconds(60)).stdout
        let facts = GitStatusParser.parse(status, tags: [])
        guard !facts.modified.isEmpty else { return nil }
        let stat = (try? await tools.run(commands.git(Git.diffStat(dir: target.directory)), timeout: .seconds(60)).stdout) ?? ""
        let summary = stat.split(separator: "\n").suffix(12).joined(separator: "\n")
        guard force, let reason, !reason.isEmpty else {
            throw DeployRefusal("the working tree of \(target.directory) has uncommitted changes in \(facts.modified.count) file(s); \(refusal):\n\(summary)")
        }
        return "dirty tree forced (\(facts.modified.count) file(s)): \(reason)"
    }

    /// The commit a ref names and whether it is a tag: from the local repository, else from the remote without
    /// fetching (read-only, for the preflight and the dry-run).
    func resolveRef(_ ref: String, fetch: Bool) async throws -> (commit: String?, isTag: Bool) {
        let dir = target.gitDirectory
        let remote = target.spec.strategy == .inPlace ? target.spec.remote : (target.spec.repository ?? target.spec.remote)
        if files.exists(dir) {
            // A tag; else the remote's branch as last fetched (a local branch of that name may be stale); else as
            // given (a commit).
            var candidates = [("refs/tags/" + ref, true)]
            // Only a remote's name has remote-tracking refs (a URL may hold credentials, never put in argv).
            if target.spec.strategy == .inPlace, !target.spec.remote.contains(":") { candidates.append(("refs/remotes/\(target.spec.remote)/\(ref)", false)) }
            candidates.append((ref, false))
            for (name, isTag) in candidates {
                if case .success(let r) = try await runner.run(commands.git(Git.resolve(dir: dir, ref: name)), timeout: .seconds(30)), r.exitCode == 0 {
                    return (r.stdout.trimmingCharacters(in: .whitespacesAndNewlines), isTag)
                }
            }
        }
        let lsDir = files.exists(dir) ? dir : target.directory
        let out = try await tools.run(remoteCommand(Git.lsRemote(dir: lsDir, remote: remote, ref: ref), dir: lsDir, remote: remote), timeout: .seconds(60)).stdout
        var commit: String?, peeled: String?, isTag = false
        for line in out.split(separator: "\n") {
            let parts = line.split(separator: "\t")
            guard parts.count == 2 else { continue }
            if parts[1].hasSuffix("^{}") { peeled = String(parts[0]) } else { commit = commit ?? String(parts[0]) }
            if parts[1].hasPrefix("refs/tags/") { isTag = true }
        }
        if let c = peeled ?? commit { return (c, isTag) }
        if ref.count >= 7, ref.count <= 40, ref.allSatisfy(\.isHexDigit) { return (nil, false) }
        throw DeployRefusal("\(ref) is neither a tag nor a branch of \(remote), nor a commit in \(dir)")
    }

    /// nginx sites that are files of the release (a link into the checkout), with their SHA-256 now: a deploy
    /// that changes one tests nginx's configuration and reloads it.
    func captureNginxSites() {
        for file in target.nginxSiteFiles where record.nginxSites[file] == nil {
            if isFileOfRelease(file), let hash = try? files.sha256(file) { record.nginxSites[file] = hash }
        }
    }

    /// Whether `file` (an nginx site, usually a link) resolves to a file under the instance's directory: the release
    /// ships it.
    func isFileOfRelease(_ file: String) -> Bool {
        files.resolved(file)?.hasPrefix(target.directory + "/") ?? false
    }

    // MARK: 3, 10. hooks

    /// Runs `.steward/hooks/NAME` of `release` when it exists and is executable, as the app's user, with the
    /// deploy's context in `STEWARD_*` variables. A failure stops the deploy with the hook's output.
    func hook(_ name: String, release: String) async throws -> StepOutcome {
        let path = release + "/.steward/hooks/" + name
        guard files.exists(path) else { return .skipped("no .steward/hooks/\(name)") }
        guard files.isExecutable(path) else { throw StoreError(".steward/hooks/\(name) exists but is not executable (chmod +x)") }
        let context = [
            "STEWARD_APP": target.app, "STEWARD_INSTANCE": target.instance, "STEWARD_DEPLOY_ID": String(record.id),
            "STEWARD_REF": record.ref, "STEWARD_COMMIT": record.commit, "STEWARD_PREVIOUS_COMMIT": record.previousCommit ?? "",
            "STEWARD_RELEASE_DIR": record.release, "STEWARD_PHASE": name, "STEWARD_USER": record.user,
        ]
        let command = try commands.app(Command(path, []), in: release, extra: context)
        switch await runner.run(command, timeout: .seconds(600)) {
        case .success(let r) where r.exitCode == 0:
            return .done(".steward/hooks/\(name) passed")
        case .success(let r):
            let output = (r.stdout + "\n" + r.stderr).split(separator: "\n").suffix(20).joined(separator: "\n")
            throw StoreError(tools.mask(".steward/hooks/\(name) exited \(r.exitCode):\n\(output)"))
        case .failure(let e):
            throw StoreError(tools.mask("\(name) hook: \(e)"))
        }
    }

    // MARK: 4. fetch and prepare

    func prepareRelease() async throws -> StepOutcome {
        switch target.spec.strategy {
        case .inPlace:
            let dir = target.directory
            try await tools.run(remoteCommand(Git.fetch(dir: dir, remote: target.spec.remote), dir: dir), timeout: .seconds(600))
            let resolved = try await resolveRef(record.ref, fetch: true)
            guard let commit = resolved.commit else { throw StoreError("\(record.ref) is not in \(target.spec.remote) after fetching") }
            if let expected = record.expectedCommit, expected != commit {
                throw StoreError("\(record.ref) names \(commit.prefix(12)) after fetching, not \(expected.prefix(12)) as where it is promoted from")
            }
            record.commit = commit
            try state.updateDeploy(record)
            try await tools.run(commands.git(Git.checkout(dir: dir, commit: commit)), timeout: .seconds(600))
            return .done("checked out \(record.ref) (\(record.shortCommit)) in \(dir)")
        case .releases, .blueGreen:
            return try await prepareReleaseDirectory()
        }
    }

    // MARK: 5. dependencies

    /// `pip install -r requirements.txt` into the venv, skipped when the venv was last installed from a file with
    /// the same SHA-256 (a stamp Steward writes in the venv).
    func installDependencies(release: String) async throws -> StepOutcome {
        guard !target.spec.requirements.isEmpty else { return .skipped("deploy.requirements is empty: the venv is managed otherwise") }
        let requirements = release + "/" + target.spec.requirements
        guard files.exists(requirements) else { return .skipped("no \(target.spec.requirements)") }
        guard let venv = target.venv else { return .skipped("no venv declared or found; \(target.spec.requirements) not installed") }
        let hash = try requirementsHash(requirements)
        record.requirementsHash = hash
        if requirementsStamp(venv) == hash {
            return .skipped("\(target.spec.requirements) unchanged (sha256 \(hash.prefix(12)))")
        }
        // As the app's user, never root (a requirement may build from source and run its setup.py): a venv that
        // user cannot write makes pip fail, and the step with it.
        let command = try commands.asAppUser(Pip.install(venv: venv, requirements: requirements, extra: target.spec.pipArguments, directory: release))
        try await tools.run(command, timeout: .seconds(1800))
        // Written without following anything the venv's owner planted, and owned by that owner like the venv.
        try files.replace(Self.requirementsStampName, in: venv, with: Data((hash + "\n").utf8))
        return .done("installed \(target.spec.requirements) (sha256 \(hash.prefix(12))) into \(venv)")
    }

    /// SHA-256 of a release's requirements file, read as its owner could reach it: the release is the app user's
    /// tree, so never through a link (one to a root-only file must not be read, nor its hash recorded and printed).
    func requirementsHash(_ path: String) throws -> String {
        let text = try files.text((path as NSString).lastPathComponent, in: (path as NSString).deletingLastPathComponent, limit: BoundedFile.defaultLimit)
        return SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    /// The file in the venv naming the SHA-256 of the requirements it was last installed from.
    static let requirementsStampName = ".steward-requirements.sha256"

    /// What the venv's stamp says (nil when it has none): read as it is written, never through a link the venv's
    /// owner planted. The install step and the dry run both read it here.
    func requirementsStamp(_ venv: String) -> String? {
        (try? files.text(Self.requirementsStampName, in: venv, limit: 4096))?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    // MARK: 6. migrations

    func migrate() async throws -> StepOutcome {
        let status = try await migrator.status(release: record.release)
        if record.previousSchema == nil { record.previousSchema = status.schemaNow }
        guard !status.pending.isEmpty else {
            record.schema = status.schemaNow
            return .skipped(status.kind == .none ? "no migrations" : "no pending \(status.kind.rawValue) migrations (\(status.schemaNow ?? "?"))")
        }
        var notes: [String] = status.adoption.map { [$0] } ?? []
        guard !target.databases.isEmpty || !record.backupIDs.isEmpty else {
            throw StoreError("\(status.pending.count) \(status.kind.rawValue) migration(s) pending, but no database of \(target.label) is known to back up first; "
                             + "declare it under apps.\(target.app).backup.databases (or DATABASE_URL in its env file)")
        }
        if record.backupIDs.isEmpty && !target.databases.isEmpty {
            say("    backing up \(target.databases.map(\.label).joined(separator: ", ")) before the migrations")
            for source in target.databases {
                let backup = try await backups.backup(source, store: target.store, reason: "pre-deploy #\(record.id)")
                record.backupIDs.append(backup.id)
                try state.updateDeploy(record)
                notes.append("backup #\(backup.id) of \(source.label) (\(Format.bytes(backup.sizeBytes)))")
            }
        } else if !record.backupIDs.isEmpty {
            notes.append("backup #\(record.backupIDs.map(String.init).joined(separator: ", #")) from before the interruption")
        }
        faults.check("after-backup", .migrate)
        if let note = try await stopServingSlotForIncompatibleMigrations() { notes.append(note) }
        try await migrator.apply(release: record.release, status: status)
        record.schema = status.alwaysRun ? nil : status.schemaAfter
        let names = status.pending.prefix(5).joined(separator: ", ") + (status.pending.count > 5 ? ", …" : "")
        return .done((["applied \(status.pending.count) \(status.kind.rawValue) migration(s): \(names)"] + notes).joined(separator: "; "))
    }

    // MARK: 7. build

    func build() async throws -> StepOutcome {
        if target.compose != nil { return try await composeBuild() }
        guard !target.spec.build.isEmpty else { return .skipped("no build commands") }
        let work = target.workdir(record.release)
        for argv in target.spec.build {
            try await tools.run(try commands.declared(argv, in: work), timeout: .seconds(1800))
        }
        return .done("ran \(target.spec.build.map { $0.joined(separator: " ") }.joined(separator: "; "))")
    }

    // MARK: 8. switch and restart

    func switchAndRestart() async throws -> StepOutcome {
        if target.compose != nil { return try await composeUp() }
        var notes: [String] = []
        if target.spec.strategy.usesReleases {
            try switchCurrent(to: record.release)
            notes.append("current → \(URL(fileURLWithPath: record.release).lastPathComponent)")
        }
        // A site config the release changed must pass nginx -t before anything restarts.
        let changedSites = record.nginxSites.filter { (try? files.sha256($0.key)) != $0.value }.keys.sorted()
        if !changedSites.isEmpty {
            try await tools.run(Nginx.testConfig(), timeout: .seconds(60))
        }
        restartedAt = Date()  // the journal's time, not the records' clock: it bounds `journalctl --since`
        let verb = try await restartUnits()
        notes.append("\(verb) \(target.units.joined(separator: ", "))")
        if !changedSites.isEmpty {
            record.nginxReloaded = true
            try state.updateDeploy(record)
            try await tools.run(Nginx.reload(), timeout: .seconds(120))
            notes.append("\(changedSites.joined(separator: ", ")) changed: nginx -t passed, nginx reloaded")
        }
        return .done(notes.joined(separator: "; "))
    }

    /// Restarts (or reloads, when asked and the units support it) the instance's units.
    @discardableResult
    func restartUnits() async throws -> String {
        var reload = target.spec.restart == .reload
        // auto reloads only in place: a reloaded server keeps the directory it started in, which for `releases`
        // is the old release behind `current`.
        if target.spec.restart == .auto, target.spec.strategy == .inPlace,
           case .success(let r) = await runner.run(Systemctl.show(units: target.units, properties: ["Id", "CanReload", "ActiveState"]), timeout: .seconds(10)) {
            let blocks = r.stdout.components(separatedBy: "\n\n")
            reload = !blocks.isEmpty && blocks.allSatisfy { $0.contains("CanReload=yes") && $0.contains("ActiveState=active") }
        }
        let command = reload ? Systemctl.reload(target.units) : Systemctl.restart(target.units)
        _ = await runner.run(Systemctl.resetFailed(target.units), timeout: .seconds(30))
        try await tools.run(command, timeout: .seconds(300))
        return reload ? "reloaded" : "restarted"
    }

    // MARK: 9. health gate

    /// Retries `check` (the instance's checks by default) until it passes or the deploy's health timeout ends.
    func healthGate(_ check: (@Sendable () async -> String?)? = nil, after: String = "the restart") async throws -> StepOutcome {
        let check = check ?? target.checks
        let deadline = ContinuousClock.now + .seconds(target.spec.healthTimeoutSeconds)
        let start = ContinuousClock.now
        var attempts = 0
        while true {
            attempts += 1
            guard let failure = await check() else {
                lastHealthFailure = nil
                return .done("checks pass (attempt \(attempts), \(Format.seconds(milliseconds: BackupService.ms(since: start))) after \(after))")
            }
            lastHealthFailure = failure
            if ContinuousClock.now >= deadline {
                throw StoreError("checks still failing after \(target.spec.healthTimeoutSeconds) s (\(attempts) attempts): \(failure)")
            }
            // Often at first (an app is usually up within a second or two), then once a second.
            try? await Task.sleep(for: ContinuousClock.now - start < .seconds(5) ? .milliseconds(200) : .seconds(1))
        }
    }

    /// Before a rollback: what the failing release answered and its journal since the restart, into the record.
    func captureEvidence() async {
        var parts: [String] = []
        if let failure = lastHealthFailure { parts.append("health: \(failure)") }
        let since = Int((restartedAt ?? record.steps.first { $0.name == DeployStep.restart.rawValue }?.startedAt ?? record.startedAt).timeIntervalSince1970)
        for unit in target.units {
            if case .success(let r) = await runner.run(Journalctl.since(unit: unit, epochSeconds: since, lines: 60), timeout: .seconds(15)) {
                parts.append("journal of \(unit) since the restart:\n" + r.stdout.split(separator: "\n").suffix(60).joined(separator: "\n"))
            }
        }
        record.evidence = tools.mask(parts.joined(separator: "\n"))
        recordState("the failing release's evidence") { try state.updateDeploy(record) }
    }
}

