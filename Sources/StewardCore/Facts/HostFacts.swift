/// The machine itself: identity, uptime, load, memory and the filesystems that matter.
public struct HostFacts: Sendable, Codable, Equatable {
    public var hostname: String
    public var kernel: String
    public var architecture: String
    public var uptimeSeconds: Int
    public var load: [Double]
    public var cpuCount: Int
    public var memory: MemoryFacts
    public var filesystems: [FilesystemFacts]
    public var topProcesses: [ProcessFacts]

    public init(hostname: String = "", kernel: String = "", architecture: String = "", uptimeSeconds: Int = 0,
                load: [Double] = [], cpuCount: Int = 1, memory: MemoryFacts = .init(),
                filesystems: [FilesystemFacts] = [], topProcesses: [ProcessFacts] = []) {
        self.hostname = hostname
        self.kernel = kernel
        self.architecture = architecture
        self.uptimeSeconds = uptimeSeconds
        self.load = load
        self.cpuCount = cpuCount
        self.memory = memory
        self.filesystems = filesystems
        self.topProcesses = topProcesses
    }
}

/// Memory and swap from `/proc/meminfo`, in bytes.
public struct MemoryFacts: Sendable, Codable, Equatable {
    public var totalBytes: Int64
    public var availableBytes: Int64
    public var swapTotalBytes: Int64
    public var swapFreeBytes: Int64

    public init(totalBytes: Int64 = 0, availableBytes: Int64 = 0, swapTotalBytes: Int64 = 0, swapFreeBytes: Int64 = 0) {
        self.totalBytes = totalBytes
        self.availableBytes = availableBytes
        self.swapTotalBytes = swapTotalBytes
        self.swapFreeBytes = swapFreeBytes
    }

    public var usedPercent: Double {
        totalBytes > 0 ? Double(totalBytes - availableBytes) * 100 / Double(totalBytes) : 0
    }
    public var swapUsedPercent: Double {
        swapTotalBytes > 0 ? Double(swapTotalBytes - swapFreeBytes) * 100 / Double(swapTotalBytes) : 0
    }
}

/// One mounted filesystem that holds `/` or an app directory.
public struct FilesystemFacts: Sendable, Codable, Equatable {
    public var mountPoint: String
    public var device: String
    public var fsType: String
    public var sizeBytes: Int64
    public var usedBytes: Int64
    public var availableBytes: Int64
    /// App directories (or `/`) that live on this filesystem: why it is listed.
    public var holds: [String]

    public init(mountPoint: String, device: String, fsType: String, sizeBytes: Int64, usedBytes: Int64, availableBytes: Int64, holds: [String]) {
        self.mountPoint = mountPoint
        self.device = device
        self.fsType = fsType
        self.sizeBytes = sizeBytes
        self.usedBytes = usedBytes
        self.availableBytes = availableBytes
        self.holds = holds
    }

    /// Used share as `df` shows it: used / (used + available), rounded up, so blocks reserved for root do not
    /// hide a full disk and the figure matches what the operator sees in `df -h`.
    public var usedPercent: Double {
        usedBytes + availableBytes > 0 ? (Double(usedBytes) * 100 / Double(usedBytes + availableBytes)).rounded(.up) : 0
    }
}

/// A process with its share of CPU since it started (as `ps` computes `%CPU`).
public struct ProcessFacts: Sendable, Codable, Equatable {
    public var pid: Int
    public var user: String
    public var command: String
    public var cpuPercent: Double
    public var rssBytes: Int64

    public init(pid: Int, user: String, command: String, cpuPercent: Double, rssBytes: Int64) {
        self.pid = pid
        self.user = user
        self.command = command
        self.cpuPercent = cpuPercent
        self.rssBytes = rssBytes
    }
}
