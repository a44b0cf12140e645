import ArgumentParser
import Foundation
import StewardSystem

/// Options every backup command shares (and deploy, rollback and promote, which take pre-deploy backups).
struct BackupOptions: ParsableArguments {
    @Option(name: .shortAndLong, help: "Manifest to use (default: ./steward.yml, then /etc/steward/steward.yml).")
    var manifest: String?

    @Option(help: "Steward's state database (the backup catalog).")
    var state: String = StateStore.defaultPath

    @Option(help: "Store backups under this directory instead of the manifest's backup.store (default /var/backups/steward).")
    var store: String?

    func validate() throws {
        for (name, value) in [("--state", state), ("--store", store ?? "/x")] where !value.hasPrefix("/") || value == "/" {
            throw ValidationError("\(name): expected an absolute path, got \"\(value.prefix(60))\"")
        }
    }
}

enum ListFormat: String, ExpressibleByArgument, CaseIterable { case text, json }
