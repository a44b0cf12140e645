import Foundation
import StewardCore
#if canImport(Glibc)
import Glibc
#endif

/// The apps' databases: each SQLite file their `DATABASE_URL` names (its header and sizes, read without opening
/// it as a database), every Redis listening here (asked PING without a password, over loopback), and
/// PostgreSQL's `pg_hba.conf`.
enum DataStoreProbe {
    static func gather(_ ctx: ProbeContext, facts: Facts, inventory: Inventory) async -> (DataStoreFacts, unanswered: [String]) {
        var usedBy: [String: [String]] = [:]
        var order: [String] = []
        for instance in inventory.apps {
            for source in BackupPlanner.discoveredDatabases(instance, facts: facts) where source.kind == .sqlite {
                guard let path = source.path else { continue }
                if usedBy[path] == nil { order.append(path) }
                usedBy[path, default: []].append(instance.label)
            }
        }
        let files = ctx.files
        let answers = await BlockingCall.run(each: order.map(files.path), timeout: ctx.commandTimeout) { hostPath in
            sqlite(files, String(hostPath.dropFirst(files.root.count)))
        }
        let databases = zip(order, answers).map { path, answer in
            var facts = answer ?? SQLiteFileFacts(path: path, usedBy: [], exists: true, unreadableReason: "did not answer within \(BlockingCall.seconds(ctx.commandTimeout))")
            facts.usedBy = usedBy[path] ?? []
            return facts
        }
        let redis = await redisServers(ctx, sockets: facts.sockets ?? [], apps: inventory, facts: facts)
        return (DataStoreFacts(sqlite: databases, redis: redis, postgres: postgres(ctx.files)),
                zip(order, answers).filter { $0.1 == nil }.map(\.0))
    }

    /// Size, `-wal` size and journal mode from bytes 18-19 of the header (2: WAL), read without opening it as a
    /// database. The app's user owns the directories on the way and can swap any of them for a symbolic link, so the
    /// file is never reached by path: its directory is opened by ``SafePath/openParentInOwnersTree(of:)`` (a link there
    /// is followed when root made it where only root can change it, or when the tree's owner did and it leads inside
    /// that tree, as a releases layout's `current`; else the database is unknown, with the reason),
    /// the file with `openat(O_NOFOLLOW | O_NONBLOCK)` in it (a link is refused; a FIFO does not block) and measured
    /// and read through that descriptor once `fstat` says it is a regular file; the `-wal` beside it by
    /// `fstatat(AT_SYMLINK_NOFOLLOW)` in the same directory (counted only when it is a regular file).
    static func sqlite(_ f: HostFiles, _ path: String) -> SQLiteFileFacts {
        let info = f.info(path)
        guard info.exists else { return SQLiteFileFacts(path: path, usedBy: [], exists: false) }
        if info.denied { return SQLiteFileFacts(path: path, usedBy: [], exists: true, unreadableReason: "\(path): permission denied") }
        var facts = SQLiteFileFacts(path: path, usedBy: [], exists: true)
        let parent: SafePath.Directory, name: String
        do {
            (parent, name) = try SafePath.openParentInOwnersTree(of: f.path(path))
        } catch {
            facts.unreadableReason = HostFiles.unrooted(String(describing: error), root: f.root)
            return facts
        }
        return withExtendedLifetime(parent) {
            let fd = openat(parent.fd, name, O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC | O_NOCTTY)
            guard fd >= 0 else {
                facts.unreadableReason = errno == ELOOP
                    ? "\(path): cannot be opened (a symbolic link: root does not read through it)"
                    : "\(path): cannot be opened (\(String(cString: strerror(errno))))"
                return facts
            }
            defer { close(fd) }
            var st = stat()
            guard fstat(fd, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else {
                facts.unreadableReason = "\(path): not a regular file"
                return facts
            }
            facts.sizeBytes = Int64(st.st_size)
            var wal = stat()
            if fstatat(parent.fd, name + "-wal", &wal, AT_SYMLINK_NOFOLLOW) == 0, (wal.st_mode & S_IFMT) == S_IFREG {
                facts.walBytes = Int64(wal.st_size)
            }
            var header = [UInt8](repeating: 0, count: 20)
            let n = header.withUnsafeMutableBytes { pread(fd, $0.baseAddress, 20, 0) }
            if n == 0 { return facts }  // an empty file: SQLite writes the header at the first write
            guard n == 20, Array(header[0..<16]) == Array("SQLite format 3\0".utf8) else {
                facts.unreadableReason = "\(path): not a SQLite database"
                return facts
            }
            facts.walMode = header[18] == 2 && header[19] == 2
            return facts
        }
    }

    /// Each Redis port with the addresses it listens on; one PING without AUTH per port, on loopback when it listens
    /// there (or on a wildcard), else on the address it does listen on (this host's own).
    static func redisServers(_ ctx: ProbeContext, sockets: [ListeningSocket], apps: Inventory, facts: Facts) async -> [RedisFacts] {
        let listening = sockets.filter { ($0.process ?? "").hasPrefix("redis-server") && ($0.proto == .tcp || $0.proto == .tcp6) }
        let ports = Array(Set(listening.map(\.port))).sorted()
        return await withTaskGroup(of: (Int, RedisFacts).self) { group in
            for port in ports {
                let mine = listening.filter { $0.port == port }
                let target = mine.first { $0.address.hasPrefix("127.") }?.address
                    ?? (mine.contains { $0.address == "0.0.0.0" } ? "127.0.0.1" : nil)
                    ?? (mine.contains { $0.address == "::" || $0.address == "::1" } ? "::1" : nil)
                    ?? mine[0].address
                let users = redisUsers(port: port, apps: apps, facts: facts)
                group.addTask {
                    let (open, reason) = await ping(host: target, port: port, timeoutMs: 1000)
                    return (port, RedisFacts(endpoints: mine.map(\.endpoint), port: port, answersWithoutPassword: open, unknownReason: reason, usedBy: users))
                }
            }
            var out: [(Int, RedisFacts)] = []
            for await item in group { out.append(item) }
            return out.sorted { $0.0 < $1.0 }.map(\.1)
        }
    }

    /// true: PONG without a password; false: the server asked for one; nil with a reason otherwise.
    static func ping(host: String, port: Int, timeoutMs: Int) async -> (Bool?, String?) {
        do {
            let connection = try await TCPConnection.connect(host: host, port: port, timeoutMs: timeoutMs)
            return try await connection.exchange { exchange -> (Bool?, String?) in
                var client = RedisClient(exchange)
                switch try await client.call(["PING"]) {
                case .simple("PONG"): return (true, nil)
                case .error(let message) where message.hasPrefix("NOAUTH") || message.contains("Authentication required"): return (false, nil)
                case .error(let message): return (nil, "PING answered: \(String(message.prefix(120)))")
                default: return (nil, "PING answered something else than PONG")
                }
            }
        } catch {
            return (nil, "\(host):\(port): \(String(String(describing: error).prefix(160)))")
        }
    }

    /// App instances whose environment names a Redis on this host and `port` (a URL, or REDIS_HOST/REDIS_PORT).
    static func redisUsers(port: Int, apps: Inventory, facts: Facts) -> [String] {
        apps.apps.filter { instance in
            guard let unit = facts.unit(instance.unit) else { return false }
            var env: [String: String] = [:]
            for (k, v) in unit.environment { env[k] = v.revealedForAnalysis }
            for ref in unit.environmentFiles { for (k, v) in facts.envFile(ref.path)?.values ?? [:] { env[k] = v.revealedForAnalysis } }
            if let host = env["REDIS_HOST"], LocalURL.isLocal("redis://\(host)"), Int(env["REDIS_PORT"] ?? "6379") == port { return true }
            return env.values.contains { v in
                let url = v.trimmingCharacters(in: .init(charactersIn: "\"' "))
                guard url.hasPrefix("redis://") || url.hasPrefix("rediss://"), LocalURL.isLocal(url), let parsed = URL(string: url) else { return false }
                return (parsed.port ?? 6379) == port
            }
        }.map(\.label)
    }

    /// `pg_hba.conf` of each cluster under /etc/postgresql (Debian's layout); nil when there is none.
    static func postgres(_ f: HostFiles) -> PostgresConfigFacts? {
        var files: [String] = []
        for version in f.list("/etc/postgresql") {
            for cluster in f.list("/etc/postgresql/\(version)") where f.exists("/etc/postgresql/\(version)/\(cluster)/pg_hba.conf") {
                files.append("/etc/postgresql/\(version)/\(cluster)/pg_hba.conf")
            }
        }
        guard !files.isEmpty else { return nil }
        var facts = PostgresConfigFacts(hbaFiles: files)
        for file in files {
            do {
                facts.trustLines += PgHba.trustLines(try f.read(file), file: file)
            } catch {
                facts.unreadableReason = String(describing: error)
            }
        }
        return facts
    }
}
