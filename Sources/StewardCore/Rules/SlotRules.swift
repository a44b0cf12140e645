/// Rules about blue-green instances (`deploy.strategy: blue-green`): nginx must point at a slot that runs, at the one
/// the last deploy switched to, through an upstream file that names one of the slots; a slot that serves nothing must
/// not keep running past its keep_warm.
enum SlotRules {
    static let all = [servingDown, upstreamStale, upstreamNotRecorded, idleRunning]

    static let servingDown: Rule = Rule(
        id: "slots.serving-down", severity: .critical,
        rationale: "nginx sends every request of the instance to the slot its upstream file names: when that slot's unit is down, every request is a 502."
    ) { ctx in
        (ctx.facts.slots ?? []).compactMap { s in
            guard let port = s.upstreamPort, let slot = s.slots.first(where: { $0.port == port }), !slot.active else { return nil }
            return servingDown.finding(
                subject: s.label,
                summary: "nginx sends \(s.label)'s requests to slot \(port), whose unit \(slot.unit) is not running",
                evidence: ["\(s.upstreamFile): server 127.0.0.1:\(port)", "\(slot.unit): not active"]
                    + s.slots.filter { $0.port != port }.map { "\($0.unit): \($0.active ? "active" : "not active")" },
                fix: "`systemctl start \(slot.unit)` (then `journalctl -u \(slot.unit)` for why it stopped); if a deploy was interrupted, `steward deploy \(s.label) --resume` or `--abort`.")
        }
    }

    static let upstreamStale: Rule = Rule(
        id: "slots.upstream-stale", severity: .critical,
        rationale: "Without Steward's upstream file naming one of the instance's slots, nginx either fails its configuration test or sends the traffic where no slot listens."
    ) { ctx in
        (ctx.facts.slots ?? []).compactMap { s in
            if s.upstreamPort != nil && s.slots.contains(where: { $0.port == s.upstreamPort }) { return nil }
            let what = s.upstreamProblem.map { "\(s.upstreamFile) cannot be used: \($0)" }
                ?? (s.upstreamPort.map { "\(s.upstreamFile) names port \($0), which is not one of the slots (\(s.slots.map { String($0.port) }.joined(separator: ", ")))" }
                    ?? "\(s.upstreamFile) names no server 127.0.0.1:PORT")
            let running = s.slots.filter(\.active)
            return upstreamStale.finding(
                subject: s.label,
                summary: "The upstream file of \(s.label) is stale: \(what)",
                evidence: [what] + s.slots.map { "\($0.unit): \($0.active ? "active" : "not active")" },
                fix: running.count == 1
                    ? "`steward deploy \(s.label) --ref <the release serving>` rewrites it for the running slot \(running[0].port); by hand: `server 127.0.0.1:\(running[0].port);` in \(s.upstreamFile), then `nginx -t && systemctl reload nginx`."
                    : "`steward deploy \(s.label) --ref <the release to serve>`: it starts a slot, checks it and writes the file.")
        }
    }

    static let upstreamNotRecorded: Rule = Rule(
        id: "slots.upstream-not-recorded", severity: .warning,
        rationale: "When nginx points at another slot than the last deploy switched to, the release users get is not the one `steward releases` says (the file was edited, or a deploy was interrupted at its switch)."
    ) { ctx in
        (ctx.facts.slots ?? []).compactMap { s in
            guard let port = s.upstreamPort, let recorded = s.recordedSlot, recorded != port else { return nil }
            return upstreamNotRecorded.finding(
                subject: s.label,
                summary: "nginx points \(s.label) at slot \(port), but deploy #\(s.recordedDeploy ?? 0) switched it to slot \(recorded)",
                evidence: ["\(s.upstreamFile): server 127.0.0.1:\(port)", "last successful deploy #\(s.recordedDeploy ?? 0): slot \(recorded)"],
                fix: "`steward status \(s.label)` for an interrupted deploy (`--resume` or `--abort`); else `steward deploy \(s.label) --ref <release>` to serve a recorded release.")
        }
    }

    static let idleRunning: Rule = Rule(
        id: "slots.idle-running", severity: .warning,
        rationale: "A slot nginx does not point at serves nothing but holds the memory of a whole app (twice the app on a 1-2 GB box)."
    ) { ctx in
        (ctx.facts.slots ?? []).flatMap { s in
            s.slots.compactMap { slot -> Finding? in
                // Only against a usable upstream file naming a running slot (a stale file or a serving slot down is its
                // own finding, and then the other slot may be the way out, not waste).
                guard let serving = s.upstreamPort, s.slots.contains(where: { $0.port == serving && $0.active }),
                      slot.port != serving, slot.active, !slot.coolingDown else { return nil }
                return idleRunning.finding(
                    subject: "\(s.label) slot \(slot.port)",
                    summary: "Slot \(slot.port) of \(s.label) runs but serves nothing (nginx points at \(serving))",
                    evidence: ["\(slot.unit): active", "\(s.upstreamFile): server 127.0.0.1:\(serving)", "no keep_warm timer pending (\(SlotCooldown.name(slotUnit: slot.unit)).timer)"],
                    fix: "`systemctl stop \(slot.unit)`; a deploy starts it again when it needs it.")
            }
        }
    }
}
