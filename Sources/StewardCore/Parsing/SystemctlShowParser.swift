/// Parses `systemctl show -p … unit…` output: one `Key=Value` block per unit, blocks separated by a blank line.
public enum SystemctlShowParser {
    public static func parse(_ output: String) -> [UnitFacts] {
        var units: [UnitFacts] = []
        var props: [String: String] = [:]
        func flush() {
            if let id = props["Id"], !id.isEmpty { units.append(unit(from: props, id: id)) }
            props = [:]
        }
        for line in output.split(separator: "\n", omittingEmptySubsequences: false) {
            if line.isEmpty { flush(); continue }
            guard let eq = line.firstIndex(of: "=") else { continue }
            let key = String(line[..<eq])
            let value = String(line[line.index(after: eq)...])
            // systemctl prints one EnvironmentFiles= line per file: keep them all. ExecStart may repeat too:
            // the first command line is the one that starts the app.
            if key == "EnvironmentFiles", let previous = props[key] {
                props[key] = previous + " " + value
            } else if props[key] == nil {
                props[key] = value
            }
        }
        flush()
        return units
    }

    static func unit(from p: [String: String], id: String) -> UnitFacts {
        UnitFacts(
            name: id, activeState: p["ActiveState"] ?? "", subState: p["SubState"] ?? "",
            unitFileState: p["UnitFileState"] ?? "", mainPID: Int(p["MainPID"] ?? "") ?? 0,
            nRestarts: Int(p["NRestarts"] ?? "") ?? 0, user: p["User"] ?? "", group: p["Group"] ?? "",
            workingDirectory: (p["WorkingDirectory"] ?? "").trimmingLeadingDash,
            environmentFiles: environmentFiles(p["EnvironmentFiles"] ?? ""),
            environment: environment(p["Environment"] ?? ""),
            execStart: execStartArgv(p["ExecStart"] ?? ""), restart: p["Restart"] ?? "",
            standardOutput: p["StandardOutput"] ?? "", standardError: p["StandardError"] ?? "",
            fragmentPath: p["FragmentPath"] ?? "", loadState: p["LoadState"] ?? "",
            after: (p["After"] ?? "").split(separator: " ").map { String($0.filter { $0 != "\"" }) }.sorted(),  // in no stable order, quoted when escaped
            noNewPrivileges: p["NoNewPrivileges"] ?? "", protectSystem: p["ProtectSystem"] ?? "", privateTmp: p["PrivateTmp"] ?? "")
    }

    /// `/etc/app/prod.env (ignore_errors=no)`; several files are separated by spaces.
    static func environmentFiles(_ value: String) -> [EnvironmentFileRef] {
        var refs: [EnvironmentFileRef] = []
        let parts = value.split(separator: " ")
        var i = 0
        while i < parts.count {
            let path = String(parts[i])
            var optional = false
            if i + 1 < parts.count, parts[i + 1].hasPrefix("(ignore_errors=") {
                optional = parts[i + 1].contains("yes")
                i += 1
            }
            if path.hasPrefix("/") { refs.append(EnvironmentFileRef(path: path, optional: optional)) }
            i += 1
        }
        return refs
    }

    /// `A=1 "B=two words" C=3` → keys and (secret) values.
    static func environment(_ value: String) -> [String: Secret] {
        var env: [String: Secret] = [:]
        for word in ShellWords.split(value) {
            guard let eq = word.firstIndex(of: "=") else { continue }
            env[String(word[..<eq])] = Secret(String(word[word.index(after: eq)...]))
        }
        return env
    }

    /// `{ path=/usr/bin/x ; argv[]=/usr/bin/x --port ${PORT} ; ignore_errors=no ; … }` → the argv.
    static func execStartArgv(_ value: String) -> [String] {
        guard let start = value.range(of: "argv[]=") else { return [] }
        let rest = value[start.upperBound...]
        let end = rest.range(of: " ; ignore_errors=")?.lowerBound ?? rest.range(of: " ;")?.lowerBound ?? rest.endIndex
        return ShellWords.split(String(rest[..<end]))
    }
}

/// Splits a command line the way systemd quotes it: spaces separate words, double or single quotes group them.
public enum ShellWords {
    public static func split(_ s: String) -> [String] {
        var words: [String] = []
        var current = ""
        var quote: Character? = nil
        var inWord = false
        var escaped = false
        for c in s {
            if escaped { current.append(c); escaped = false; continue }
            if c == "\\" && quote != "'" { escaped = true; inWord = true; continue }
            if let q = quote {
                if c == q { quote = nil } else { current.append(c) }
                continue
            }
            if c == "\"" || c == "'" { quote = c; inWord = true; continue }
            if c == " " || c == "\t" {
                if inWord { words.append(current); current = ""; inWord = false }
                continue
            }
            current.append(c)
            inWord = true
        }
        if inWord { words.append(current) }
        return words
    }
}

extension String {
    var trimmingLeadingDash: String { hasPrefix("!") || hasPrefix("-") ? String(dropFirst()) : self }
}
