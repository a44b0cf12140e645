import Foundation
import StewardCore
import StewardSystem

/// Finds and parses the manifest for an operation; an invalid or untrusted one is a typed error with the located
/// errors in `details` (the CLI prints them, then `steward: FILE: N error(s); nothing was done`, exit 3).
///
/// Discovery: the request's manifest path, else `./steward.yml`, else `/etc/steward/steward.yml`. As root, a file
/// that root does not own, or that others can write, is never used (``ConfigFileTrust``): an explicit one is refused
/// with the fix; a `./steward.yml` in the current directory (an app's checkout, say) is skipped with a warning
/// event, so `cd /srv/app && sudo steward check` never runs what the app's user wrote.
public struct LoadedManifest: Sendable {
    /// Absolute path of the file read; nil when none was found (zero-config).
    public var path: String?
    public var manifest: Manifest
}

public enum ManifestSource {
    public static let systemPath = "/etc/steward/steward.yml"

    public static func load(explicit: String?, host: HostContext) throws(OperationError) -> LoadedManifest {
        let candidates = explicit.map { [$0] } ?? ["steward.yml", systemPath]
        for path in candidates {
            let text: String
            switch TrustedConfigFile.read(path) {
            case .success(let t): text = t
            case .failure(.missing):
                if explicit != nil { throw OperationError(.invalidConfig, "\(path): no such manifest", subject: path) }
                continue
            case .failure(.refused(let why)):
                if explicit == nil && path != systemPath {
                    host.warn("ignoring \(why)")
                    continue
                }
                throw OperationError(.untrustedConfig, why, subject: path)
            }
            switch ManifestParser.parse(text, file: path) {
            case .success(let m): return LoadedManifest(path: URL(fileURLWithPath: path).standardizedFileURL.path, manifest: m)
            case .failure(let errors):
                throw OperationError(.invalidConfig, "\(path): \(errors.errors.count) error(s); nothing was done", subject: path,
                                     details: errors.errors.map { "\($0)" })
            }
        }
        return LoadedManifest(path: nil, manifest: .empty)
    }

    /// A checks file (`steward check -f FILE`), under the same rule as a manifest: its `command:` checks run as root.
    public static func checksFileText(_ path: String) throws(OperationError) -> String {
        switch TrustedConfigFile.read(path) {
        case .success(let text): return text
        case .failure(let failure): throw OperationError(.untrustedConfig, failure.description, subject: path)
        }
    }
}

extension ManifestSource {
    /// The fleet for `--hosts`: the inventory file when one is given (trusted like a manifest: it decides where root
    /// connects to), else the manifest's `hosts:`.
    public static func inventory(file: String?, manifest: String?, host: HostContext) throws(OperationError) -> FleetInventory {
        guard let file else { return FleetInventory(hosts: try load(explicit: manifest, host: host).manifest.hosts) }
        let text: String
        switch TrustedConfigFile.read(file) {
        case .success(let t): text = t
        case .failure(.missing): throw OperationError(.invalidConfig, "\(file): no such inventory", subject: file)
        case .failure(let failure): throw OperationError(.untrustedConfig, failure.description, subject: file)
        }
        switch InventoryParser.parse(text, file: file) {
        case .success(let inventory): return inventory
        case .failure(let errors):
            throw OperationError(.invalidConfig, "\(file): \(errors.errors.count) error(s); nothing was done", subject: file,
                                 details: errors.errors.map { "\($0)" })
        }
    }
}
