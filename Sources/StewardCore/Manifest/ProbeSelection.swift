/// Which fact probes run: the manifest's `probes: {disable: [names]}`. Every probe runs unless disabled.
///
/// Names are free strings here; the probe registry, which knows the names, rejects the unknown ones.
public struct ProbeSelection: Sendable, Equatable, Codable {
    /// The probes not to run, by registry name.
    public var disabled: Set<String>

    public init(disabled: Set<String> = []) {
        self.disabled = disabled
    }

    /// Every probe enabled.
    public static let all = ProbeSelection()

    /// Whether the probe named `name` runs.
    public func enabled(_ name: String) -> Bool {
        !disabled.contains(name)
    }
}
