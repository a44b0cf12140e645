import Foundation
import StewardCore
import StewardSystem

/// Finds and parses the manifest; an invalid or untrusted one stops the run with located errors (exit 3).
///
/// Discovery: `--manifest FILE`, else `./steward.yml`, else `/etc/steward/steward.yml`. As root, a file that root
/// does not own, or that others can write, is never used (``ConfigFileTrust``): an explicit one is refused with
/// the fix; a `./steward.yml` in the current directory (an app's checkout, say) is skipped with a warning, so
/// `cd /srv/app && sudo steward check` never runs what the app's user wrote.
enum ManifestLoading {
    static let systemPath = "/etc/steward/steward.yml"

    /// The manifest to use and its absolute path (nil: none, zero-config).
    static func resolve(explicit: String?) -> (path: String?, manifest: Manifest) {
        let candidates = explicit.map { [$0] } ?? ["steward.yml", systemPath]
        for path in candidates {
            let text: String
            switch TrustedConfigFile.read(path) {
            case .success(let t): text = t
            case .failure(.missing):
                if explicit != nil { Steward.fail("\(path): no such manifest") }
                continue
            case .failure(.refused(let why)):
                if explicit == nil && path != systemPath {
                    FileHandle.standardError.write(Data("steward: ignoring \(why)\n".utf8))
                    continue
                }
                Steward.fail(why)
            }
            switch ManifestParser.parse(text, file: path) {
            case .success(let m): return (URL(fileURLWithPath: path).standardizedFileURL.path, m)
            case .failure(let errors):
                for e in errors.errors { FileHandle.standardError.write(Data("\(e)\n".utf8)) }
                Steward.fail("\(path): \(errors.errors.count) error(s); nothing was done")
            }
        }
        return (nil, .empty)
    }

    static func load(explicit: String?) -> Manifest { resolve(explicit: explicit).manifest }

    /// The file `load` reads, absolute, for units that run from another directory.
    static func path(explicit: String?) -> String? { resolve(explicit: explicit).path }

    /// A checks file (`steward check -f FILE`), under the same rule as a manifest: its `command:` checks run as root.
    static func checksFileText(_ path: String) -> String {
        switch TrustedConfigFile.read(path) {
        case .success(let text): return text
        case .failure(let failure): Steward.fail(failure.description)
        }
    }
}
