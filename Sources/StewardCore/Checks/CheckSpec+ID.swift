extension CheckSpec.Kind {
    /// What the check looks at, as text: the unit, the URL, `127.0.0.1:8000`, the path; nil for host-wide checks
    /// (memory, load).
    public var subject: String? {
        switch self {
        case .service(let e): e.unit
        case .port(let e): (e.address.map { Self.hostPort($0, e.port) } ?? String(e.port)) + (e.udp ? "/udp" : "")
        case .http(let e): e.url
        case .tcp(let e): Self.hostPort(e.host, e.port)
        case .tls(let e): e.file ?? e.host.map { Self.hostPort($0, e.port) }
        case .postgres(let e): e.dsn.description
        case .redis(let e): e.url?.description ?? Self.hostPort(e.host, e.port)
        case .sqlite(let e): e.path
        case .file(let e): e.path
        case .command(let e): e.argv.joined(separator: " ")
        case .disk(let e): e.path
        case .memory, .load: nil
        case .journal(let e): e.unit
        case .container(let e): "\(e.project)/\(e.service)"
        }
    }

    /// The id of a check without a name: `<kind>:<subject>`, e.g. `service:marb@prod.service`,
    /// `http:https://127.0.0.1/api/v1/health`, `port:127.0.0.1:8000`, `tls:/etc/ssl/certs/marb.pem`; the kind alone
    /// for host-wide checks (`memory`, `load`).
    public var defaultID: String {
        subject.map { "\(name):\($0)" } ?? name
    }

    /// `127.0.0.1:8000`, `[::1]:8000`.
    private static func hostPort(_ host: String, _ port: Int) -> String {
        host.contains(":") && !host.hasPrefix("[") ? "[\(host)]:\(port)" : "\(host):\(port)"
    }
}
