import Foundation

/// One env file named by an `EnvironmentFile=` line.
public struct EnvFileFacts: Sendable, Codable, Equatable {
    public var path: String
    public var exists: Bool
    public var owner: String
    public var group: String
    /// Permission bits, e.g. `0o600`.
    public var mode: Int
    /// Keys in file order; values are in `values`, masked on output.
    public var keys: [String]
    public var values: [String: Secret]
    /// Why the file could not be read, when it exists but could not be.
    public var unreadableReason: String?

    public init(path: String, exists: Bool, owner: String = "", group: String = "", mode: Int = 0,
                keys: [String] = [], values: [String: Secret] = [:], unreadableReason: String? = nil) {
        self.path = path
        self.exists = exists
        self.owner = owner
        self.group = group
        self.mode = mode
        self.keys = keys
        self.values = values
        self.unreadableReason = unreadableReason
    }

    public var modeString: String { FileMode.octal(mode) }
    public var symbolicMode: String { FileMode.symbolic(mode, isDirectory: false) }

    /// `PORT` (or `STREAMLIT_SERVER_PORT`, `APP_PORT`…) as an integer: the port is configuration, not a secret.
    public var port: Int? {
        for key in ["PORT", "APP_PORT", "STREAMLIT_SERVER_PORT", "HTTP_PORT", "SERVER_PORT", "UVICORN_PORT", "GUNICORN_PORT"] {
            if let v = values[key]?.revealedForAnalysis, let p = Int(v.trimmingCharacters(in: .whitespaces)), (1...65535).contains(p) {
                return p
            }
        }
        return nil
    }
}

/// Formatting of Unix permission bits.
public enum FileMode {
    public static func octal(_ mode: Int) -> String {
        "0" + String(mode & 0o7777, radix: 8)
    }

    public static func symbolic(_ mode: Int, isDirectory: Bool) -> String {
        let chars: [(Int, Character)] = [
            (0o400, "r"), (0o200, "w"), (0o100, "x"), (0o040, "r"), (0o020, "w"), (0o010, "x"),
            (0o004, "r"), (0o002, "w"), (0o001, "x"),
        ]
        return (isDirectory ? "d" : "-") + String(chars.map { mode & $0.0 != 0 ? $0.1 : "-" })
    }
}
