import Foundation
import StewardCore

/// Processes an interrupted deploy may have left running: Steward runs each tool in a session of its own (so a
/// timeout can kill its whole group), which also means a `manage.py migrate` or a hook outlives a `kill -9` of
/// Steward. Before `--resume` or `--abort` acts, none may still work in the app's tree: found from `/proc` as the
/// processes whose working directory is inside it and that do not belong to the app's own units.
enum LeftoverProcesses {
    struct Found: Equatable {
        var pid: Int32
        var command: String
    }

    static func find(under directories: [String], excludingUnits units: [String], proc: String = "/proc") -> [Found] {
        let roots = Set(directories.filter { $0.hasPrefix("/") && $0 != "/" }.map { resolved($0) })
        guard !roots.isEmpty, let entries = try? FileManager.default.contentsOfDirectory(atPath: proc) else { return [] }
        var found: [Found] = []
        for entry in entries {
            guard let pid = Int32(entry), pid != getpid(),
                  let cwd = try? FileManager.default.destinationOfSymbolicLink(atPath: "\(proc)/\(entry)/cwd"),
                  roots.contains(where: { cwd == $0 || cwd.hasPrefix($0 + "/") }) else { continue }
            let cgroup = (try? String(contentsOfFile: "\(proc)/\(entry)/cgroup", encoding: .utf8)) ?? ""
            if units.contains(where: { cgroup.contains("/\($0)") }) { continue }
            let cmdline = (try? Data(contentsOf: URL(fileURLWithPath: "\(proc)/\(entry)/cmdline"))) ?? Data()
            // Scrubbed argument by argument, then cut: a cut first could split a password so that it no longer matches.
            let argv = cmdline.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
            let command = String(Redactor.scrub(argv).joined(separator: " ").prefix(200)).trimmingCharacters(in: .whitespaces)
            found.append(Found(pid: pid, command: command))
        }
        return found.sorted { $0.pid < $1.pid }
    }

    private static func resolved(_ path: String) -> String {
        guard let real = realpath(path, nil) else { return path }
        defer { free(real) }
        return String(cString: real)
    }
}
