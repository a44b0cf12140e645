import Yams

/// Reads a standalone checks file (`steward check -f checks.yml`). Pure: it takes the text and the file name used in
/// messages; the caller reads the file.
///
/// ```yaml
/// defaults:
///   timeout: 5s
/// checks:
///   - service: marb@prod.service
///   - http: {url: https://127.0.0.1/api/v1/health, json: {status: healthy}}
/// ```
///
/// The same list can sit under `checks:` of `steward.yml` (with `check_defaults:` for `defaults:`); see
/// ``ManifestParser`` and ``Manifest/checks``.
public enum CheckFileParser {
    /// Parses and validates a checks file.
    ///
    /// - Parameters:
    ///   - yaml: The whole file. The empty document (or only comments) has no checks.
    ///   - file: The name shown in messages and in each check's ``CheckSpec/source``, e.g. `checks.yml`.
    /// - Returns: The checks in file order, or every problem of the file sorted by position (a YAML syntax error is a
    ///   single located error). Messages never repeat a secret written where a reference belongs.
    public static func parse(_ yaml: String, file: String) -> Result<[CheckSpec], ManifestErrors> {
        ManifestReader.read(yaml, file: file) { reader, root in reader.checkFile(root) }
    }
}
