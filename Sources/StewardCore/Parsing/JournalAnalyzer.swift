import Foundation

/// Turns `journalctl -o json` lines into log facts. Pure: the probe runs journalctl, this reads what it printed.
public enum JournalAnalyzer {
    /// One journal entry, reduced to the fields Steward asks for.
    public struct Entry: Sendable, Equatable {
        public var message: String
        public var priority: Int?
        public var unit: String?
        public var aboutUnit: String?
        public var messageID: String?

        public init(message: String, priority: Int? = nil, unit: String? = nil, aboutUnit: String? = nil, messageID: String? = nil) {
            self.message = message
            self.priority = priority
            self.unit = unit
            self.aboutUnit = aboutUnit
            self.messageID = messageID
        }
    }

    // systemd catalog ids (see `journalctl --list-catalog`).
    static let unitStarted = "39f53479d3a045ac8e11786248231fbf"
    static let unitStopped = "9d1aaa27d60140bd96365438aad20286"
    static let unitFailed = "d9b373ed55a64feb8242e02dbe79a49c"

    /// Longest journal line parsed: journald cuts messages at LineMax= (48 KiB by default) and stores binary fields of
    /// at most 64 KiB unless told otherwise; a longer line is not a log line worth a sample and is skipped unparsed.
    static let maxLineBytes = 1 << 20

    /// Parses JSON lines; a line that is not JSON is skipped. `MESSAGE` given as a byte array (non-UTF-8) is decoded lossily.
    public static func entries(fromJSONLines text: String) -> [Entry] {
        text.split(separator: "\n").compactMap { line in
            guard line.utf8.count <= maxLineBytes, line.first == "{", let data = line.data(using: .utf8),
                  let obj = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else { return nil }
            let message: String
            if let s = obj["MESSAGE"] as? String { message = s }
            else if let bytes = obj["MESSAGE"] as? [Int] { message = String(decoding: bytes.map { UInt8(truncatingIfNeeded: $0) }, as: UTF8.self) }
            else { return nil }
            return Entry(message: message, priority: (obj["PRIORITY"] as? String).flatMap { Int($0) },
                         unit: obj["_SYSTEMD_UNIT"] as? String, aboutUnit: obj["UNIT"] as? String,
                         messageID: obj["MESSAGE_ID"] as? String)
        }
    }

    /// Log facts for each of `units` from entries of `journalctl -u …`.
    public static func unitLogs(_ entries: [Entry], units: [String]) -> [UnitLogFacts] {
        var byUnit: [String: [Entry]] = [:]
        for e in entries {
            if let about = e.aboutUnit, units.contains(about), e.unit != about {
                byUnit[about, default: []].append(e)
            } else if let u = e.unit, units.contains(u) {
                byUnit[u, default: []].append(e)
            }
        }
        return units.map { analyze(unit: $0, byUnit[$0] ?? []) }
    }

    /// Log facts of plain log lines (a container's `docker logs`), named `name`: the same reading as a unit's journal.
    public static func logFacts(name: String, lines text: String) -> UnitLogFacts {
        analyze(unit: name, text.split(separator: "\n").map { Entry(message: String($0)) })
    }

    static func analyze(unit: String, _ entries: [Entry]) -> UnitLogFacts {
        var facts = UnitLogFacts(unit: unit)
        var inTraceback = false
        var chained = false
        var lastType: String? = nil
        var samples: [String] = []
        func sample(_ s: String) {
            let clean = Redactor.excerpt(s, limit: 300)  // redacted before it is cut
            if !samples.contains(clean) { samples.append(clean) }
        }
        for e in entries {
            if let id = e.messageID, e.aboutUnit == unit {
                switch id {
                case unitStarted: facts.starts += 1
                case unitStopped: facts.stops += 1
                case unitFailed: facts.failures += 1; sample(e.message)
                default: break
                }
                continue
            }
            for line in e.message.split(separator: "\n", omittingEmptySubsequences: true).map(String.init) {
                facts.lines += 1
                let trimmed = line.trimmingCharacters(in: .whitespaces)
                if trimmed.hasPrefix("Traceback (most recent call last)") {
                    facts.tracebacks += 1
                    inTraceback = true
                    continue
                }
                if trimmed.hasPrefix("During handling of the above exception") || trimmed.hasPrefix("The above exception was the direct cause") {
                    facts.tracebacks -= 1  // a chained traceback is one error, not two, named by its last exception
                    chained = true
                    continue
                }
                if inTraceback {
                    if line.hasPrefix(" ") || line.hasPrefix("\t") || trimmed.hasPrefix("^") || trimmed.isEmpty { continue }
                    inTraceback = false
                    if let type = exceptionType(trimmed) {
                        if chained, let last = lastType {
                            facts.exceptionTypes[last, default: 1] -= 1
                            if facts.exceptionTypes[last] == 0 { facts.exceptionTypes[last] = nil }
                        }
                        facts.exceptionTypes[type, default: 0] += 1
                        lastType = type
                        sample(trimmed)
                    }
                    chained = false
                }
                if let module = missingModule(trimmed), !facts.moduleNotFound.contains(module) {
                    facts.moduleNotFound.append(module)
                }
                if trimmed.contains("WORKER TIMEOUT") { facts.workerTimeouts += 1; sample(trimmed) }
                if trimmed.contains("CSRF verification failed") || trimmed.contains("Forbidden (CSRF") || trimmed.contains("CSRF token missing") {
                    facts.csrfFailures += 1
                    sample(trimmed)
                }
                if (e.priority ?? 6) <= 3 || isErrorText(trimmed) {
                    facts.errorLines += 1
                    if samples.count < 8 { sample(trimmed) }
                }
            }
        }
        facts.tracebacks = max(0, facts.tracebacks)
        facts.samples = Array(samples.prefix(8))
        return facts
    }

    /// `streamlit.errors.StreamlitValueAssignmentNotAllowedError: Values …` → `StreamlitValueAssignmentNotAllowedError`.
    static func exceptionType(_ line: String) -> String? {
        let head = line.prefix { $0 != ":" && $0 != " " }
        guard !head.isEmpty, head.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" || $0 == "." }) else { return nil }
        let name = head.split(separator: ".").last.map(String.init) ?? String(head)
        guard name.first?.isUppercase == true,
              name.hasSuffix("Error") || name.hasSuffix("Exception") || name.hasSuffix("Exit") || name.hasSuffix("Interrupt")
                || name.hasSuffix("Warning") || name == "AssertionError" || name.hasSuffix("Timeout") else { return nil }
        return name
    }

    /// `ModuleNotFoundError: No module named 'foo.bar'` → `foo.bar`.
    static func missingModule(_ line: String) -> String? {
        guard let r = line.range(of: "ModuleNotFoundError: No module named ") else { return nil }
        let name = line[r.upperBound...].trimmingCharacters(in: CharacterSet(charactersIn: "'\" "))
        return name.isEmpty ? nil : name
    }

    static func isErrorText(_ line: String) -> Bool {
        line.hasPrefix("ERROR") || line.contains("[ERROR]") || line.contains(" ERROR ") || line.contains("level=error")
            || line.contains("[CRITICAL]") || line.hasPrefix("CRITICAL") || line.hasPrefix("FATAL")
    }

    /// Host-wide facts from kernel OOM lines and sshd failure lines.
    public static func hostLogs(oom: [Entry], ssh: [Entry]) -> HostLogFacts {
        var facts = HostLogFacts()
        for e in oom {
            // "Out of memory: Killed process 1275 (python) total-vm:…" / "oom-kill:…,task=python,pid=1275,…"
            if let r = e.message.range(of: "Killed process ") {
                facts.oomKills += 1
                let rest = e.message[r.upperBound...].split(separator: " ")
                if rest.count >= 2 { facts.oomVictims.append("\(rest[1].trimmingCharacters(in: CharacterSet(charactersIn: "(),"))) (pid \(rest[0]))") }
            }
        }
        // One attempt logs "Failed password …" from sshd and "authentication failure" from pam_unix: count the
        // former; "Invalid user" lines only stand in when password logins are off (no "Failed password" at all).
        let failed = ssh.filter { $0.message.contains("Failed password") }
        let attempts = failed.isEmpty ? ssh.filter { $0.message.contains("Invalid user") } : failed
        for e in attempts {
            facts.sshFailedPasswords += 1
            // "… for invalid user from from 1.2.3.4 port 22": the address is the word before " port ".
            let head = e.message.range(of: " port ", options: .backwards).map { e.message[..<$0.lowerBound] } ?? Substring(e.message)
            if let r = head.range(of: " from ", options: .backwards) {
                let source = head[r.upperBound...].prefix { $0 != " " }
                if !source.isEmpty { facts.sshSources[String(source), default: 0] += 1 }
            }
        }
        return facts
    }
}
