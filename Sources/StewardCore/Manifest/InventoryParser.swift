import Yams

/// Reads an inventory file (`--inventory FILE`): the fleet alone, in the manifest's `hosts:` form, for an operator
/// who keeps the fleet apart from any host's manifest. Pure, like ``ManifestParser``.
public enum InventoryParser {
    /// The hosts of `yaml`, or every problem of the file sorted by position.
    public static func parse(_ yaml: String, file: String) -> Result<FleetInventory, ManifestErrors> {
        ManifestReader.read(yaml, file: file) { reader, root in
            var inventory = FleetInventory()
            if let root, !ManifestReader.isNull(root) { ManifestSchema.inventory.read(root, "", into: &inventory, &reader) }
            return inventory
        }
    }
}

extension ManifestSchema {
    static let inventory = Section<FleetInventory>(fields: [
        Field("version", .integer.checked { $0 == 1 ? nil : "unsupported version \($0); this Steward reads version 1" },
              doc: "Format version of this file; only 1 exists.") { _, _, _, _, _ in },
        Field("hosts", .named(host), doc: "The hosts, by name (--hosts NAME, GROUP or all).",
              required: "the hosts, by name, each with ssh: its destination") { reader, _, path, inventory, entries in
            inventory.hosts = readHosts(&reader, path, entries, apps: [])
        },
    ])
}
