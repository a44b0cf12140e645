import Foundation
import StewardCore
import StewardSystem
#if canImport(Glibc)
import Glibc
#endif

/// `steward hosts trust`: the keys a host offers, shown by fingerprint, recorded in the known_hosts file ssh uses for
/// it only when the operator says so (`--yes`). A host whose recorded keys differ is refused unless `--replace`:
/// the fleet's connections check keys strictly, so trusting is the one place a key enters, and never silently.
public struct HostTrust: Sendable {
    public var runner: any CommandRunning
    public var configFile: String?

    public init(runner: any CommandRunning = CommandRunner(), configFile: String? = nil) {
        self.runner = runner
        self.configFile = configFile
    }

    public struct Outcome: Sendable, Equatable {
        public enum State: Sendable, Equatable {
            /// Not in known_hosts yet.
            case new
            /// Every key offered is recorded already.
            case trusted
            /// known_hosts has other keys for it (their fingerprints): refused without `--replace`.
            case changed(recorded: [String])
            case unreachable(String)
        }

        public var host: String
        /// `host` or `[host]:port`, as known_hosts names it.
        public var address: String
        public var fingerprints: [String]
        public var state: State
        /// The known_hosts file ssh reads for it; nil when it was not reached.
        public var file: String?
        /// Whether this run wrote the keys to `file`.
        public var recorded: Bool
    }

    public func review(_ host: FleetHost, record: Bool, replace: Bool) async -> Outcome {
        var outcome = Outcome(host: host.name, address: host.destination, fingerprints: [], state: .new, file: nil, recorded: false)
        let c = SSH.Connection(host, configFile: configFile)
        guard case .success(let g) = await runner.run(SSH.effectiveConfig(c), timeout: .seconds(10)), g.exitCode == 0,
              let effective = HostKeys.effective(g.stdout) else {
            outcome.state = .unreachable("ssh -G cannot resolve \(host.destination)")
            return outcome
        }
        outcome.address = HostKeys.pattern(host: effective.host, port: effective.port)
        if let indirect = effective.indirect {
            // A scan from here would ask another machine, or the key would be looked up under another name.
            outcome.state = .unreachable("ssh reaches it through \(indirect): record its key by hand (ssh-keyscan through that route, compared on its console)")
            return outcome
        }
        let file = Self.expandHome(effective.knownHosts ?? "~/.ssh/known_hosts")
        outcome.file = file
        let scanned: [HostKeys.Key]
        switch await runner.run(SSHKeyscan.scan(host: effective.host, port: effective.port), timeout: .seconds(15)) {
        case .failure(let e): outcome.state = .unreachable("\(e)"); return outcome
        case .success(let r): scanned = HostKeys.parseScan(r.stdout)
        }
        guard !scanned.isEmpty else {
            outcome.state = .unreachable("no host key answered on \(effective.host) port \(effective.port)")
            return outcome
        }
        outcome.fingerprints = await fingerprints(of: HostKeys.lines(scanned, host: effective.host, port: effective.port))
        guard outcome.fingerprints.count == scanned.count else {
            // Nothing is recorded that was not shown.
            outcome.state = .unreachable("ssh-keygen could not fingerprint the keys \(effective.host) offered")
            return outcome
        }
        var known: [HostKeys.Key] = []
        if FileManager.default.fileExists(atPath: file),
           case .success(let r) = await runner.run(SSHKeygen.find(host: effective.host, port: effective.port, in: file), timeout: .seconds(10)),
           r.exitCode == 0 {
            known = HostKeys.parseScan(r.stdout)
        }
        var toWrite = scanned
        var replacing = false
        if !known.isEmpty {
            let missing = scanned.filter { !known.contains($0) }
            if missing.isEmpty {
                outcome.state = .trusted
                return outcome
            }
            if known.contains(where: scanned.contains) {
                // One of its recorded keys is among those offered: the others are new types, added beside it.
                toWrite = missing
            } else {
                outcome.state = .changed(recorded: await fingerprints(of: HostKeys.lines(known, host: effective.host, port: effective.port)))
                guard replace else { return outcome }
                replacing = true
            }
        }
        guard record else { return outcome }
        if replacing {
            guard case .success(let r) = await runner.run(SSHKeygen.remove(address: outcome.address, from: file), timeout: .seconds(10)),
                  r.exitCode == 0 else {
                outcome.state = .unreachable("cannot remove the old keys of \(outcome.address) from \(file)")
                return outcome
            }
        }
        if let problem = Self.append(HostKeys.lines(toWrite, host: effective.host, port: effective.port), to: file) {
            outcome.state = .unreachable(problem)
            return outcome
        }
        outcome.recorded = true
        return outcome
    }

    /// `SHA256:… (ED25519)` per key, through `ssh-keygen -l` on a private temporary file.
    func fingerprints(of lines: String) async -> [String] {
        var template = Array("/tmp/steward-hostkeys-XXXXXX".utf8CString)
        let fd = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard fd >= 0 else { return [] }
        let path = String(cString: template)
        defer { unlink(path) }
        let written = lines.withCString { write(fd, $0, strlen($0)) }
        close(fd)
        guard written == lines.utf8.count else { return [] }
        guard case .success(let r) = await runner.run(SSHKeygen.fingerprints(file: path), timeout: .seconds(10)) else { return [] }
        return r.stdout.split(whereSeparator: \.isNewline).compactMap { line in
            let f = line.split(separator: " ")
            guard f.count >= 3, f[1].hasPrefix("SHA256:") else { return nil }
            return "\(f[1]) \(f.last!)"
        }
    }

    /// Appends to known_hosts (made 0600, its directory 0700, when missing), never through a link, and only to a
    /// file and directory that Steward's user owns and no one else can write: keys root trusts must not go where
    /// another user could add theirs.
    static func append(_ lines: String, to file: String) -> String? {
        let directory = (file as NSString).deletingLastPathComponent
        if !directory.isEmpty, mkdir(directory, 0o700) != 0, errno != EEXIST {
            return "cannot make \(directory): \(String(cString: strerror(errno)))"
        }
        var st = stat()
        guard lstat(directory.isEmpty ? "." : directory, &st) == 0, (st.st_mode & S_IFMT) == S_IFDIR, st.st_uid == geteuid(),
              st.st_mode & 0o022 == 0 else {
            return "\(directory) is not a directory of Steward's user that only it can write: refusing to record keys there"
        }
        let fd = open(file, O_WRONLY | O_APPEND | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0o600)
        guard fd >= 0 else { return "cannot write \(file): \(String(cString: strerror(errno)))" }
        defer { close(fd) }
        guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG, st.st_uid == geteuid(), st.st_mode & 0o022 == 0 else {
            return "\(file) is not a file of Steward's user that only it can write: refusing to record keys there"
        }
        let bytes = Array(lines.utf8)
        return bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) } == bytes.count && fsync(fd) == 0 ? nil : "cannot write \(file)"
    }

    static func expandHome(_ path: String) -> String {
        path.hasPrefix("~/") ? CommandRunner.homeOfSteward + path.dropFirst() : path
    }
}
