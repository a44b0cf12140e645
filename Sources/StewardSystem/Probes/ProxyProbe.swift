import StewardCore

/// nginx (validity and enabled sites) and ngrok (agent configuration) in front of the apps.
public enum ProxyProbe {
    public static func nginx(_ ctx: ProbeContext) async throws -> NginxFacts {
        guard ctx.files.exists("/etc/nginx/nginx.conf") else { throw ProbeSkipped("nginx is not installed (/etc/nginx/nginx.conf absent)") }
        let test: CommandResult
        switch await ctx.runner.run(Nginx.testConfig(file: ctx.files.path("/etc/nginx/nginx.conf")), timeout: ctx.commandTimeout) {
        case .success(let r): test = r
        case .failure(.notFound): throw ProbeSkipped("nginx is not installed (no nginx binary)")
        case .failure(let e): throw ProbeFailure(e.description)
        }
        var sites: [NginxSite] = []
        for dir in ["/etc/nginx/sites-enabled", "/etc/nginx/conf.d"] {
            for entry in ctx.files.list(dir) where dir.hasSuffix("sites-enabled") || entry.hasSuffix(".conf") {
                let path = "\(dir)/\(entry)"
                guard let text = ctx.files.readIfPresent(path) else { continue }
                sites += NginxConfigParser.parse(text, file: path) { ctx.files.readIfPresent($0) }
            }
        }
        let output = (test.stderr + test.stdout).split(separator: "\n").map { Redactor.scrub(String($0)) }.joined(separator: "\n")
        if test.exitCode != 0 && output.contains("Permission denied") {
            throw ProbeFailure("nginx -t could not read its files (run steward as root): \(output.split(separator: "\n").first ?? "")")
        }
        return NginxFacts(configValid: test.exitCode == 0, testOutput: test.exitCode == 0 ? "" : output, sites: sites)
    }

    /// ngrok configurations of the tunnel units: `NGROK_CONFIG=`, `--config`, or the user's default file.
    public static func ngrok(_ ctx: ProbeContext, units: [UnitFacts], envFiles: [EnvFileFacts]) -> [NgrokFacts] {
        var byPath: [String: (units: [String], startsAll: Bool)] = [:]
        var order: [String] = []
        for unit in units {
            let runsNgrok = unit.execStart.first?.hasSuffix("/ngrok") == true || unit.execStart.first == "ngrok"
            guard runsNgrok || unit.environment["NGROK_CONFIG"] != nil else { continue }
            // As systemd builds the environment: Environment= first, then the env files override it.
            var variables: [String: String] = [:]
            for (k, v) in unit.environment { variables[k] = v.revealedForAnalysis }
            for ref in unit.environmentFiles {
                for (k, v) in envFiles.first(where: { $0.path == ref.path })?.values ?? [:] { variables[k] = v.revealedForAnalysis }
            }
            let args = unit.execStart.map { CommandLinePort.expand($0, variables) }
            var paths: [String] = []
            for (i, a) in args.enumerated() {
                if a == "--config", i + 1 < args.count { paths += args[i + 1].split(separator: ",").map(String.init) }
                if a.hasPrefix("--config=") { paths += a.dropFirst(9).split(separator: ",").map(String.init) }
            }
            if paths.isEmpty, let env = variables["NGROK_CONFIG"] { paths.append(env) }
            if paths.isEmpty, let home = homeDirectory(ctx.files, user: unit.user) { paths.append(home + "/.config/ngrok/ngrok.yml") }
            for p in paths where p.hasPrefix("/") {
                if byPath[p] == nil { order.append(p); byPath[p] = ([], false) }
                byPath[p]!.units.append(unit.name)
                if args.contains("--all") { byPath[p]!.startsAll = true }
            }
        }
        return order.compactMap { path in
            let (units, startsAll) = byPath[path]!
            let text: String
            do {
                text = try ctx.files.read(path)
            } catch FileError.missing {
                return NgrokFacts(path: path, units: units, version: nil, tunnelNames: [], tunnelPorts: [], startsAll: startsAll,
                                  problems: ["the file does not exist"])
            } catch {
                return nil  // unreadable to us is not invalid for the agent
            }
            let parsed = NgrokConfig.parse(text, startsAll: startsAll)
            return NgrokFacts(path: path, units: units, version: parsed.version, tunnelNames: parsed.tunnelNames,
                              tunnelPorts: parsed.tunnelPorts, startsAll: startsAll, problems: parsed.problems)
        }
    }

    static func homeDirectory(_ f: HostFiles, user: String) -> String? {
        let name = user.isEmpty ? "root" : user
        for line in (f.readIfPresent("/etc/passwd") ?? "").split(separator: "\n") {
            let fields = line.split(separator: ":", omittingEmptySubsequences: false)
            if fields.count > 5, fields[0] == name { return String(fields[5]) }
        }
        return nil
    }
}
