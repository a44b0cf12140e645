import CStewardSys
import StewardCore

extension BuildStamp {
    /// This binary's stamp: nil for a build that `scripts/package` did not stamp (built from source).
    public static let current: BuildStamp? = {
        let bytes = UnsafeRawBufferPointer(start: steward_build_stamp_bytes(), count: Int(STEWARD_BUILD_STAMP_SIZE))
        return parse(bytes)
    }()
}
