import Yams

extension ManifestReader {
    static let thresholdKeys = [
        "disk_warning_percent", "disk_critical_percent", "disk_warning_free", "disk_critical_free",
        "memory_warning_percent", "memory_critical_percent", "swap_warning_percent",
        "ssh_failed_logins_warning", "tracebacks_warning", "restarts_warning",
    ]

    /// The `thresholds` section over ``Thresholds/defaults``, with warning/critical pairs checked for order.
    mutating func thresholds(_ node: Node, _ path: String) -> Thresholds {
        var result = Thresholds.defaults
        guard let fields = fields(node, path, known: Self.thresholdKeys) else { return result }
        func at(_ key: String) -> String { Self.join(path, key) }

        var percents: [String: Double] = [:]
        for key in ["disk_warning_percent", "disk_critical_percent", "memory_warning_percent",
                    "memory_critical_percent", "swap_warning_percent"] {
            if let value = fields[key]?.value, let percent = percent(value, at(key)) { percents[key] = percent }
        }
        var sizes: [String: Int64] = [:]
        for key in ["disk_warning_free", "disk_critical_free"] {
            if let value = fields[key]?.value, let size = size(value, at(key)) { sizes[key] = size }
        }
        var counts: [String: Int] = [:]
        for key in ["ssh_failed_logins_warning", "tracebacks_warning", "restarts_warning"] {
            if let value = fields[key]?.value, let count = integer(value, at(key), in: 1...Int.max) {
                counts[key] = count
            }
        }

        result.diskWarningPercent = percents["disk_warning_percent"] ?? result.diskWarningPercent
        result.diskCriticalPercent = percents["disk_critical_percent"] ?? result.diskCriticalPercent
        result.memoryWarningPercent = percents["memory_warning_percent"] ?? result.memoryWarningPercent
        result.memoryCriticalPercent = percents["memory_critical_percent"] ?? result.memoryCriticalPercent
        result.swapWarningPercent = percents["swap_warning_percent"] ?? result.swapWarningPercent
        result.diskWarningFreeBytes = sizes["disk_warning_free"] ?? result.diskWarningFreeBytes
        result.diskCriticalFreeBytes = sizes["disk_critical_free"] ?? result.diskCriticalFreeBytes
        result.sshFailedLoginsWarning = counts["ssh_failed_logins_warning"] ?? result.sshFailedLoginsWarning
        result.tracebacksWarning = counts["tracebacks_warning"] ?? result.tracebacksWarning
        result.restartsWarning = counts["restarts_warning"] ?? result.restartsWarning

        // Percent pairs: warning strictly below critical.
        for family in ["disk", "memory"] {
            let warningKey = "\(family)_warning_percent", criticalKey = "\(family)_critical_percent"
            let warning = family == "disk" ? result.diskWarningPercent : result.memoryWarningPercent
            let critical = family == "disk" ? result.diskCriticalPercent : result.memoryCriticalPercent
            checkOrder(fields, path, below: (warningKey, warning), above: (criticalKey, critical),
                       valid: percents, show: Self.format)
        }
        // Free space: the warning fires first, so its limit is the larger one.
        checkOrder(fields, path, below: ("disk_critical_free", result.diskCriticalFreeBytes),
                   above: ("disk_warning_free", result.diskWarningFreeBytes), valid: sizes, show: ByteSize.format)
        return result
    }

    /// Reports when `below` is not strictly less than `above`: at the second key of the two the file sets (in file
    /// order), or at the one it sets when the other is a default. Skips pairs where a set value was invalid.
    mutating func checkOrder<T: Comparable>(
        _ fields: [String: (key: Node, value: Node)], _ path: String,
        below: (key: String, value: T), above: (key: String, value: T),
        valid: [String: T], show: (T) -> String
    ) {
        guard below.value >= above.value else { return }
        let belowNode = fields[below.key]?.value, aboveNode = fields[above.key]?.value
        if belowNode != nil && valid[below.key] == nil { return }
        if aboveNode != nil && valid[above.key] == nil { return }
        func isLater(_ a: Node?, than b: Node?) -> Bool {
            guard let a = a?.mark else { return false }
            guard let b = b?.mark else { return true }
            return (a.line, a.column) > (b.line, b.column)
        }
        if isLater(aboveNode, than: belowNode) {
            let other = belowNode == nil ? "the default " : ""
            report(aboveNode, Self.join(path, above.key),
                   "\(show(above.value)) must be above \(below.key) (\(other)\(show(below.value)))")
        } else {
            let other = aboveNode == nil ? "the default " : ""
            report(belowNode, Self.join(path, below.key),
                   "\(show(below.value)) must be below \(above.key) (\(other)\(show(above.value)))")
        }
    }
}
