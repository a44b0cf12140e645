import Foundation
import StewardCore

/// The `blue-green` strategy: the `releases` layout run in two slots (two units of one template, on two loopback
/// ports) behind the operator's own nginx. The new release starts in the idle slot while the other serves, is checked
/// on its own port, and only then is nginx pointed at it (Steward's upstream file, `nginx -t`, a graceful reload);
/// the old slot's connections are waited for, then it stops. A release that fails its checks never receives a request.
extension DeployEngine {
    /// The steps from the restart on: blue-green's start, health, switch and drain, or a restart and the health gate.
    func cutoverSteps(_ plannedRelease: String) -> [DeployStepAction] {
        guard target.spec.strategy == .blueGreen else { return [restartStep(plannedRelease), healthStep()] }
        return [
            DeployStepAction(name: .start, plan: { sheet in
                guard let (serving, idle) = self.plannedSlots() else { return sheet.line("REFUSED: no slots (instances.\(self.target.instance).slots)") }
                sheet.line("slot \(idle): \(self.target.slotLink(idle)) → \(plannedRelease), then " + Systemctl.restart([self.target.slotUnit(idle)]).display
                           + (serving.map { " (slot \($0) keeps serving)" } ?? " (no slot serves yet)"))
            }, run: { try await self.startSlot() }),
            DeployStepAction(name: .health, plan: { sheet in
                let idle = self.plannedSlots()?.idle
                sheet.line("the health URL on slot \(idle.map(String.init) ?? "?")'s own port, retried for up to \(self.target.spec.healthTimeoutSeconds) s; on failure the slot is stopped and nginx never sees it")
            }, run: {
                guard let port = self.record.slot else { throw StoreError("no slot was started") }
                let check = self.target.slotCheck
                return try await self.healthGate({ await check(port) }, after: "slot \(port) started")
            }),
            DeployStepAction(name: .switchTraffic, plan: { sheet in
                let idle = self.plannedSlots()?.idle
                sheet.line("write \(self.target.upstreamFile) (upstream \(SlotUpstream.name(app: self.target.app, instance: self.target.instance)) → 127.0.0.1:\(idle.map(String.init) ?? "?")), "
                           + "\(Nginx.dumpConfig().display) (valid, and a site uses it), then \(Nginx.reload().display); current → the release")
            }, run: { try await self.switchTraffic() }),
            DeployStepAction(name: .drain, plan: { sheet in
                guard let serving = self.plannedSlots()?.serving else { return sheet.line("no slot served before: nothing to drain") }
                let unit = self.target.slotUnit(serving)
                sheet.line("wait up to \(self.slots.drainSeconds) s for nginx's old workers and the connections to \(serving) to end, then "
                           + (self.slots.keepWarmSeconds > 0
                              ? SlotCooldown.schedule(slotUnit: unit, after: self.slots.keepWarmSeconds, systemctl: self.host.tool("systemctl") ?? "/usr/bin/systemctl").display
                              : Systemctl.stop([unit]).display))
            }, run: { try await self.drain() }),
        ]
    }

    var slots: SlotSpec { target.spec.slots ?? SlotSpec() }

    /// The slot nginx is pointed at now: the port of Steward's upstream file, when it is one of the instance's slots;
    /// nil before the first switch.
    func servingSlot() -> Int? {
        let name = (target.upstreamFile as NSString).lastPathComponent
        guard let text = try? files.text(name, in: SlotUpstream.directory, limit: 64 * 1024),
              let port = SlotUpstream.servingPort(in: text), target.slotPorts.contains(port) else { return nil }
        return port
    }

    /// The slot serving now and the one a deploy would start (the other); nil without two slots.
    func plannedSlots() -> (serving: Int?, idle: Int)? {
        guard target.slotPorts.count == 2 else { return nil }
        if let slot = record.slot { return (record.previousSlot, slot) }
        let serving = servingSlot()
        return (serving, target.slotPorts.first { $0 != serving } ?? target.slotPorts[0])
    }

    /// What a blue-green deploy needs before it changes anything.
    func slotsPreflight() throws -> String {
        guard target.spec.slots != nil, target.slotPorts.count == 2 else {
            throw DeployRefusal("blue-green needs deploy.slots.unit and instances.\(target.instance.isEmpty ? "<name>" : target.instance).slots: [PORT, PORT]")
        }
        guard host.tool("nginx") != nil else { throw DeployRefusal("blue-green switches nginx, which is not installed") }
        guard let (serving, idle) = plannedSlots() else { throw DeployRefusal("no slots") }
        return "slot \(idle) takes the release" + (serving.map { ", slot \($0) serves" } ?? "; no slot serves yet")
    }

    /// The file a release ships to say that its migrations break the release serving (a contract step: a column it
    /// reads dropped or renamed), with the reason in it.
    static let incompatibleMigrationsFile = ".steward/incompatible-migrations"

    /// blue-green, before pending migrations run: when the new release declares them incompatible with the one
    /// serving, that slot is stopped first (stop-migrate-start: requests fail until the switch), and the record says
    /// why; an undo then restores the database. Nil when nothing was stopped.
    func stopServingSlotForIncompatibleMigrations() async throws -> String? {
        guard target.spec.strategy == .blueGreen else { return nil }
        let path = record.release + "/" + Self.incompatibleMigrationsFile
        guard files.exists(path) else { return nil }
        let reason = ((try? files.text((path as NSString).lastPathComponent, in: (path as NSString).deletingLastPathComponent, limit: 4096)) ?? "")
            .split(separator: "\n").first.map { String($0.prefix(200)) } ?? ""
        record.incompatibleMigrations = reason.isEmpty ? "declared" : reason
        try state.updateDeploy(record)
        guard let serving = record.previousSlot ?? servingSlot() else { return "\(Self.incompatibleMigrationsFile): no slot serves, nothing to stop" }
        // Recorded before it stops: an undo from here on starts it again.
        record.previousSlot = serving
        try state.updateDeploy(record)
        let unit = target.slotUnit(serving)
        say("    \(Self.incompatibleMigrationsFile) (\(record.incompatibleMigrations ?? "")): stopping \(unit) before the migrations (stop-migrate-start; requests fail until the switch)")
        try await tools.run(Systemctl.stop([unit]), timeout: .seconds(300))
        return "migrations declared incompatible (\(record.incompatibleMigrations ?? "")): stopped \(unit) first, stop-migrate-start"
    }

    // MARK: start

    /// Points the idle slot's link at the release and restarts its unit (a slot left running is restarted too). A
    /// resumed deploy starts the slot its record names.
    func startSlot() async throws -> StepOutcome {
        guard let (serving, port) = plannedSlots() else { throw StoreError("no slots") }
        if record.slot == nil {
            record.slot = port
            record.previousSlot = record.previousSlot ?? serving
            try state.updateDeploy(record)
        }
        let unit = target.slotUnit(port)
        let name = URL(fileURLWithPath: record.release).lastPathComponent
        let others = serving.map { record.incompatibleMigrations == nil ? "; slot \($0) keeps serving" : "; slot \($0) was stopped for the migrations" }
            ?? "; no slot served before"
        // A slot kept warm after an earlier switch: its timer must not stop it once it serves.
        _ = await runner.run(SlotCooldown.cancel(slotUnit: unit), timeout: .seconds(30))
        // Still running that very release (a rollback within keep_warm): nothing to start.
        if case .success(let r) = await runner.run(Systemctl.isActive(unit), timeout: .seconds(10)), r.exitCode == 0,
           let runs = files.resolved(target.slotLink(port)), runs == files.resolved(record.release) {
            return .done("slot \(port): \(unit) is still warm on \(name), not restarted" + others)
        }
        try await tools.run(try asOwner(Command("mkdir", ["-p", "--", target.slotsDirectory])), timeout: .seconds(60))
        try await pointSlot(port, at: record.release)
        restartedAt = Date()
        _ = await runner.run(Systemctl.resetFailed([unit]), timeout: .seconds(30))
        try await tools.run(Systemctl.restart([unit]), timeout: .seconds(300))
        return .done("slot \(port): \(unit) started on \(name)" + others)
    }

    /// The slot's link (`slots/PORT`) to `release`, replaced in one rename.
    ///
    /// Done by the owner of the releases tree (`ln`, then `mv -T`, one rename): `slots/` is that user's directory,
    /// which they could swap for a link, so root never creates or renames entries in it by path.
    func pointSlot(_ port: Int, at release: String) async throws {
        let relative = release.hasPrefix(target.directory + "/") ? "../" + release.dropFirst(target.directory.count + 1) : release
        let temporary = target.slotsDirectory + "/.slot-steward-\(getpid())"
        try await tools.run(try asOwner(Command("ln", ["-sfn", "--", String(relative), temporary])), timeout: .seconds(60))
        try await tools.run(try asOwner(Command("mv", ["-fT", "--", temporary, target.slotLink(port)])), timeout: .seconds(60))
    }

    // MARK: switch

    /// nginx to the new slot: the upstream file rewritten, `nginx -T` (valid, and a site includes the file and uses
    /// its upstream; else the file is put back and nothing reloads), a graceful reload; then `current` to the
    /// release. nginx's workers of before are remembered: the drain waits for them.
    func switchTraffic() async throws -> StepOutcome {
        guard let port = record.slot else { throw StoreError("no slot was started") }
        // What served before this deploy, as recorded: a resumed switch may find the file already naming the new slot.
        switchConfirmed = false
        let note = try await pointNginx(at: port, before: record.previousSlot)
        switchConfirmed = true
        if target.spec.strategy.usesReleases { try switchCurrent(to: record.release) }
        return .done("nginx → slot \(port) (\(target.upstreamFile)): nginx -T passed, reloaded gracefully; current → \(URL(fileURLWithPath: record.release).lastPathComponent)"
                     + (note.map { "; \($0)" } ?? ""))
    }

    /// The serving slot's unit enabled and the other's disabled, so a reboot starts the slot nginx points at. A failure
    /// (a template without `[Install]`) is said, not fatal: traffic has moved already.
    func startAtBoot(_ port: Int, insteadOf other: Int?) async -> String {
        let unit = target.slotUnit(port)
        guard case .success(let enabled) = await runner.run(Systemctl.enable([unit]), timeout: .seconds(60)), enabled.exitCode == 0 else {
            return "\(unit) could not be enabled, so a reboot starts no slot (give \(slots.unit) an [Install] section with WantedBy=multi-user.target)"
        }
        if let other, other != port { _ = await runner.run(Systemctl.disable([target.slotUnit(other)]), timeout: .seconds(60)) }
        return "\(unit) starts at boot"
    }

    /// Writes the upstream file for `port`, checks nginx's whole configuration with it, and reloads; the file as it was
    /// is put back when the check or the reload fails. `before` is the slot that served (nil for none). When a slot served before, a site must
    /// include the file and proxy to its upstream (else the switch would move nothing and the drain would stop the
    /// slot that still serves); on the first switch a missing include is returned as a note: the file exists only
    /// now, so the site can include it from here on.
    @discardableResult
    func pointNginx(at port: Int, before: Int?) async throws -> String? {
        try await tools.run(Command("mkdir", ["-p", "-m", "0755", "--", SlotUpstream.directory]), timeout: .seconds(60))
        // What the file said before, put back as it was when nginx does not take the new one (`before` says which slot
        // served, but the file may already exist for it, or have been edited).
        let name = (target.upstreamFile as NSString).lastPathComponent
        let previous = try? files.text(name, in: SlotUpstream.directory, limit: 64 * 1024)
        func putBack() {
            if let previous { try? files.replace(name, in: SlotUpstream.directory, with: Data(previous.utf8)) } else { files.removeQuietly(target.upstreamFile) }
        }
        try writeUpstream(port)
        var note: String?
        do {
            let dump = try await tools.run(Nginx.dumpConfig(), timeout: .seconds(60)).stdout
            let upstream = SlotUpstream.name(app: target.app, instance: target.instance)
            let usage = SlotUpstream.usage(inDump: dump, app: target.app, instance: target.instance)
            var missing: String?
            if !usage.included {
                missing = "no nginx configuration includes \(target.upstreamFile): add `include \(target.upstreamFile);` to the site (outside its server block) and `proxy_pass http://\(upstream);` to its location"
            } else if !usage.proxied {
                missing = "nginx includes \(target.upstreamFile) but no location proxies to it: use `proxy_pass http://\(upstream);`"
            }
            if let missing {
                guard before == nil else { throw StoreError(missing) }
                note = missing
            }
        } catch {
            putBack()
            throw error
        }
        let workers = host.nginxWorkers()
        drainingWorkers = workers.map(\.pid)
        do {
            try await tools.run(Nginx.reload(), timeout: .seconds(120))
            try await waitForNewWorkers(besides: Set(workers.map(\.pid)))
        } catch {
            // nginx still runs its previous configuration: the file says so again, or the undo would stop the slot
            // that still serves.
            putBack()
            throw error
        }
        return note
    }

    /// A reload is a signal: nginx reads the configuration after `systemctl reload` returns, and keeps its old workers
    /// when it cannot apply it. The switch is done only once a worker of the new configuration runs.
    func waitForNewWorkers(besides old: Set<Int32>) async throws {
        guard !old.isEmpty else { return }
        let bound = ContinuousClock.now + .seconds(10)
        while !host.nginxWorkers().contains(where: { !$0.shuttingDown && !old.contains($0.pid) }) {
            guard ContinuousClock.now < bound else {
                throw StoreError("nginx started no worker with the new configuration within 10 s of its reload: it still runs the previous one (see journalctl -u nginx)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Steward's upstream file naming `port`, written in its root-owned directory without following a link.
    func writeUpstream(_ port: Int) throws {
        try files.replace((target.upstreamFile as NSString).lastPathComponent, in: SlotUpstream.directory,
                          with: Data(SlotUpstream.render(app: target.app, instance: target.instance, port: port).utf8))
    }

    // MARK: drain

    /// Waits (up to `slots.drain`) for nginx's workers of before the switch to exit and the old slot's connections to
    /// end, then stops the old slot (or leaves it warm); the serving slot is made the one that starts at boot.
    func drain() async throws -> StepOutcome {
        // Here rather than in the switch, whose time is the cutover's: enabling reloads systemd's configuration.
        var boot = ""
        if let port = record.slot { boot = await startAtBoot(port, insteadOf: record.previousSlot) }
        let outcome = try await drainOld()
        switch outcome {
        case .done(let detail): return .done(detail + "; " + boot)
        case .skipped(let detail): return .skipped(detail + "; " + boot)
        }
    }

    private func drainOld() async throws -> StepOutcome {
        guard let old = record.previousSlot, old != record.slot else { return .skipped("no slot served before: nothing to drain") }
        let unit = target.slotUnit(old)
        if record.incompatibleMigrations != nil {
            // Stopped before the migrations: nothing to keep warm (it cannot run on this schema); nginx's old workers
            // are still waited for, since until they exit they send new requests to it.
            let (_, workers, waited) = try await waitForDrain(old)
            try await tools.run(Systemctl.stop([unit]), timeout: .seconds(300))
            return .done("slot \(old) was stopped before the migrations (incompatible with its release); nginx's old workers "
                         + (workers == 0 ? "exited in \(waited)" : "still \(workers) after \(waited)"))
        }
        let (open, workers, waited) = try await waitForDrain(old)
        let drained = workers == 0 && open == 0 ? "slot \(old) drained in \(waited)"
            : "slot \(old) still had \(open) connection(s) and nginx \(workers) old worker(s) after \(waited) (deploy.slots.drain)"
        _ = await runner.run(SlotCooldown.cancel(slotUnit: unit), timeout: .seconds(30))
        if slots.keepWarmSeconds > 0 {
            try await tools.run(SlotCooldown.schedule(slotUnit: unit, after: slots.keepWarmSeconds, systemctl: host.tool("systemctl") ?? "/usr/bin/systemctl"),
                                timeout: .seconds(30))
            return .done("\(drained); \(unit) kept warm for \(slots.keepWarmSeconds) s (\(SlotCooldown.name(slotUnit: unit)).timer stops it)")
        }
        try await tools.run(Systemctl.stop([unit]), timeout: .seconds(300))
        return .done("\(drained); stopped \(unit)" + (workers == 0 && open == 0 ? "" : " anyway"))
    }

    /// Waits, up to `slots.drain`, until nginx's workers from before the last reload have exited and no connection
    /// to `port` is left. Returns what was still open and how long it waited.
    func waitForDrain(_ port: Int) async throws -> (open: Int, workers: Int, waited: String) {
        let start = ContinuousClock.now
        let bound = start + .seconds(slots.drainSeconds)
        var open = 0, workers = 0
        // A resumed drain has not seen the reload: nginx's workers that are shutting down are the old configuration's.
        let draining = drainingWorkers.isEmpty ? host.nginxWorkers().filter(\.shuttingDown).map(\.pid) : drainingWorkers
        while true {
            workers = draining.filter(host.alive).count
            open = host.connections(port)
            if (workers == 0 && open == 0) || ContinuousClock.now >= bound { break }
            try await Task.sleep(for: .milliseconds(50))
        }
        return (open, workers, Format.seconds(milliseconds: BackupService.ms(since: start)))
    }

    // MARK: undo

    /// Puts the slot that served before back to work: started again on the previous release and checked (when the
    /// switch happened, or the database was restored with the units stopped), and nginx pointed back at it
    /// (`pointBack`, after the switch). The new slot is stopped unless nginx still serves from it (no slot to go back
    /// to, or the way back failed). Returns whether the previous slot passes its checks.
    func revertSlots(restartOld: Bool, pointBack: Bool, attempt: (String, () async throws -> Void) async -> Void) async -> Bool {
        var healthy = true, restartOld = restartOld, pointBack = pointBack
        let new = record.slot
        // The switch failed before nginx took it (its file was put back): nginx never left the old slot.
        if switchConfirmed == false { pointBack = false }
        var pointedBack = !pointBack
        if pointBack, record.previousSlot == nil, let new, servingSlot() == new {
            // The first switch, taken by nginx: no slot served before, so nginx stays on the new release.
            await attempt("nginx back to the slot that served before") {
                throw StoreError("no slot served before this deploy: nginx stays on slot \(new), the new release")
            }
            return false
        }
        // Nothing served before and nginx is not on the new slot: it serves nothing, so it stops.
        if record.previousSlot == nil { pointedBack = true }
        if let old = record.previousSlot, old != new, !restartOld,
           case .success(let r) = await runner.run(Systemctl.isActive(target.slotUnit(old)), timeout: .seconds(10)), r.exitCode != 0 {
            restartOld = true  // stopped meanwhile: nginx points at it, so it must run again
        }
        if restartOld, let old = record.previousSlot, old != new {
            healthy = false
            await attempt("slot \(old) started again on the previous release; its checks pass") {
                if let previous = record.previousRelease { try await pointSlot(old, at: previous) }
                _ = await runner.run(SlotCooldown.cancel(slotUnit: target.slotUnit(old)), timeout: .seconds(30))
                _ = await runner.run(Systemctl.resetFailed([target.slotUnit(old)]), timeout: .seconds(30))
                try await tools.run(Systemctl.start([target.slotUnit(old)]), timeout: .seconds(300))
                let check = target.slotCheck
                _ = try await healthGate({ await check(old) }, after: "slot \(old) started again")
                healthy = true
            }
            if healthy && pointBack {
                await attempt("nginx → slot \(old) again") {
                    try await pointNginx(at: old, before: servingSlot())
                    pointedBack = true
                    _ = await startAtBoot(old, insteadOf: new)
                }
            }
        }
        // The new slot stops only when nginx is known to have left it: never the slot that still serves.
        if let new, new != record.previousSlot, pointedBack, servingSlot() != new {
            await attempt("stopped slot \(new) (\(target.slotUnit(new)))") {
                // nginx's workers that still send to it finish first, as in a deploy's drain.
                if pointBack { _ = try await waitForDrain(new) }
                try await tools.run(Systemctl.stop([target.slotUnit(new)]), timeout: .seconds(300))
            }
        }
        return healthy
    }
}
