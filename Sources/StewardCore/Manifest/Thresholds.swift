/// The limits rules compare facts against. Every field is optional in `steward.yml`; ``defaults`` fills the rest.
public struct Thresholds: Sendable, Equatable, Codable {
    /// Used space of a filesystem, in percent, at which a warning is raised.
    public var diskWarningPercent: Double
    public var diskCriticalPercent: Double
    /// Free space of a filesystem, in bytes, below which a warning is raised.
    public var diskWarningFreeBytes: Int64
    public var diskCriticalFreeBytes: Int64
    /// Used memory (without caches), in percent.
    public var memoryWarningPercent: Double
    public var memoryCriticalPercent: Double
    /// Used swap, in percent.
    public var swapWarningPercent: Double
    /// Failed SSH logins in the journal window at which a warning is raised.
    public var sshFailedLoginsWarning: Int
    /// Python tracebacks of one unit in the journal window at which a warning is raised.
    public var tracebacksWarning: Int
    /// Restarts of one unit at which a warning is raised.
    public var restartsWarning: Int

    public init(diskWarningPercent: Double = 80, diskCriticalPercent: Double = 90,
                diskWarningFreeBytes: Int64 = 2 << 30, diskCriticalFreeBytes: Int64 = 512 << 20,
                memoryWarningPercent: Double = 90, memoryCriticalPercent: Double = 95,
                swapWarningPercent: Double = 50,
                sshFailedLoginsWarning: Int = 10, tracebacksWarning: Int = 1, restartsWarning: Int = 1) {
        self.diskWarningPercent = diskWarningPercent
        self.diskCriticalPercent = diskCriticalPercent
        self.diskWarningFreeBytes = diskWarningFreeBytes
        self.diskCriticalFreeBytes = diskCriticalFreeBytes
        self.memoryWarningPercent = memoryWarningPercent
        self.memoryCriticalPercent = memoryCriticalPercent
        self.swapWarningPercent = swapWarningPercent
        self.sshFailedLoginsWarning = sshFailedLoginsWarning
        self.tracebacksWarning = tracebacksWarning
        self.restartsWarning = restartsWarning
    }

    /// 80/90 % disk, 2 GiB/512 MiB free, 90/95 % memory, 50 % swap, 10 failed SSH logins, 1 traceback, 1 restart.
    public static let defaults = Thresholds()
}
