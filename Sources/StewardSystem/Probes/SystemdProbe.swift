import Foundation
import StewardCore

/// The admin's units (`/etc/systemd/system`), every instance of their templates that systemd or the disk knows,
/// and failed units host-wide: two `systemctl` calls in all.
public enum SystemdProbe {
    public static func gather(_ ctx: ProbeContext, extraUnits: [String] = []) async throws -> [UnitFacts] {
        let f = ctx.files
        let dir = "/etc/systemd/system"
        var templates: [String] = []   // "calb-sizingtool@"
        var names: [String] = []
        func add(_ n: String) { if !names.contains(n) { names.append(n) } }

        for entry in f.list(dir) where entry.hasSuffix(".service") {
            if f.linkTarget("\(dir)/\(entry)") == "/dev/null" { continue }  // masked
            if entry.hasSuffix("@.service") {
                let base = String(entry.dropLast("@.service".count))
                templates.append(base)
                for instance in instancesFromEnvFiles(f, unitText: f.readIfPresent("\(dir)/\(entry)") ?? "") {
                    add("\(base)@\(instance).service")
                }
            } else {
                add(entry)
            }
        }
        // Enabled instances are symlinks in *.wants directories.
        for wants in f.list(dir) where wants.hasSuffix(".wants") {
            for entry in f.list("\(dir)/\(wants)") where entry.contains("@") && entry.hasSuffix(".service") {
                if templates.contains(where: { entry.hasPrefix($0 + "@") }) { add(entry) }
            }
        }
        for unit in extraUnits { add(unit) }
        // Loaded instances (active or not) and failed units of any origin come from list-units; it runs
        // alongside `show` of the units known from disk, and a second `show` covers only what it adds.
        let fromDisk = names
        async let listed = ctx.output(Systemctl.listServiceUnits())
        async let shownFromDisk = fromDisk.isEmpty ? "" : ctx.output(Systemctl.show(units: fromDisk))
        var more: [String] = []
        for line in try await listed.split(separator: "\n") {
            let cols = line.split(separator: " ", omittingEmptySubsequences: true)
            guard cols.count >= 4 else { continue }
            let unit = String(cols[0]), active = cols[2]
            let isInstance = templates.contains(where: { unit.hasPrefix($0 + "@") && unit != "\($0)@.service" })
            if (active == "failed" || isInstance) && !fromDisk.contains(unit) && !more.contains(unit) { more.append(unit) }
        }
        var units = SystemctlShowParser.parse(try await shownFromDisk)
        if !more.isEmpty { units += SystemctlShowParser.parse(try await ctx.output(Systemctl.show(units: more))) }
        var configured: [String: [String: String]] = [:]
        for i in units.indices {
            // systemd reports StandardOutput=syslog as "journal" (it rewrites the obsolete value on load):
            // the unit file holds what the admin wrote and must edit.
            let path = units[i].fragmentPath
            if !path.isEmpty {
                if configured[path] == nil { configured[path] = UnitFileParser.serviceSettings(f.readIfPresent(path) ?? "") }
                for (key, keyPath) in [("StandardOutput", \UnitFacts.standardOutput), ("StandardError", \UnitFacts.standardError)] {
                    if let value = configured[path]?[key], value.hasPrefix("syslog") || value.hasPrefix("kmsg") {
                        units[i][keyPath: keyPath] = value
                    }
                }
            }
            if let program = units[i].execStart.first, program.hasPrefix("/") {
                units[i].executableExists = f.isExecutable(program)
            }
        }
        return units.filter { $0.loadState != "not-found" || extraUnits.contains($0.name) }
    }

    /// Instances named by env files: `EnvironmentFile=/etc/app/%i.env` and `/etc/app/prod.env` on disk → `prod`.
    static func instancesFromEnvFiles(_ f: HostFiles, unitText: String) -> [String] {
        var instances: [String] = []
        for line in unitText.split(separator: "\n") {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("EnvironmentFile=") else { continue }
            var path = String(trimmed.dropFirst("EnvironmentFile=".count))
            if path.hasPrefix("-") { path.removeFirst() }
            guard let range = path.range(of: "%i") ?? path.range(of: "%I") else { continue }
            let dir = String(path[..<range.lowerBound])
            guard dir.hasSuffix("/"), !dir.contains("%") else { continue }
            let suffix = String(path[range.upperBound...])
            guard !suffix.contains("/") else { continue }
            for entry in f.list(String(dir.dropLast())) where entry.hasSuffix(suffix) && entry.count > suffix.count {
                let name = String(entry.dropLast(suffix.count))
                if name.allSatisfy({ $0.isLetter || $0.isNumber || "-_.".contains($0) }), !instances.contains(name) {
                    instances.append(name)
                }
            }
        }
        return instances
    }
}
