import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// One container's cgroup v2 directory inside the guest: statistics and limit updates.
public struct CgroupV2: Sendable {
    public let path: String

    public init(path: String) { self.path = path }

    /// The cgroup crun makes for a container: `cgroupsPath` under the unified mount. A
    /// systemd-style path ("slice:prefix:name") cannot be used without systemd in the guest,
    /// so such a path becomes a plain directory named after the container.
    public static func forContainer(id: String, cgroupsPath: String?, mount: String = "/sys/fs/cgroup")
        -> CgroupV2
    {
        guard let cgroupsPath, !cgroupsPath.isEmpty, !cgroupsPath.contains(":") else {
            return CgroupV2(path: "\(mount)/kata/\(id)")
        }
        let relative = cgroupsPath.split(separator: "/").filter { $0 != ".." && $0 != "." }.joined(
            separator: "/")
        return CgroupV2(path: "\(mount)/\(relative)")
    }

    public struct Stats: Sendable, Equatable {
        public var memoryUsage: UInt64 = 0
        public var memoryLimit: UInt64?  // nil: "max"
        public var memoryStat: [String: UInt64] = [:]
        public var cpuUsageMicros: UInt64 = 0
        public var cpuUserMicros: UInt64 = 0
        public var cpuSystemMicros: UInt64 = 0
        public var pidsCurrent: UInt64 = 0
        public var pidsLimit: UInt64?
        public init() {}
    }

    /// Reads what the kernel reports; files a kernel lacks (a controller not enabled) count as 0.
    public func stats() -> Stats {
        var stats = Stats()
        stats.memoryUsage = number("memory.current") ?? 0
        stats.memoryLimit = number("memory.max")
        stats.memoryStat = keyedNumbers("memory.stat")
        let cpu = keyedNumbers("cpu.stat")
        stats.cpuUsageMicros = cpu["usage_usec"] ?? 0
        stats.cpuUserMicros = cpu["user_usec"] ?? 0
        stats.cpuSystemMicros = cpu["system_usec"] ?? 0
        stats.pidsCurrent = number("pids.current") ?? 0
        stats.pidsLimit = number("pids.max")
        return stats
    }

    /// Limits to write; nil leaves a limit as it is.
    public struct Update: Sendable, Equatable {
        public var memoryMax: Int64?
        public var cpuQuota: Int64?
        public var cpuPeriod: UInt64?
        public var cpuShares: UInt64?
        public var pidsMax: Int64?
        public init(
            memoryMax: Int64? = nil, cpuQuota: Int64? = nil, cpuPeriod: UInt64? = nil,
            cpuShares: UInt64? = nil, pidsMax: Int64? = nil
        ) {
            self.memoryMax = memoryMax
            self.cpuQuota = cpuQuota
            self.cpuPeriod = cpuPeriod
            self.cpuShares = cpuShares
            self.pidsMax = pidsMax
        }
    }

    public func apply(_ update: Update) throws {
        for (file, value) in update.settings { try write(file, value) }
    }

    /// The processes in this cgroup (cgroup.procs); empty when it has none or is gone.
    public func processIDs() -> [Int32] {
        guard let text = try? readTextFile("\(path)/cgroup.procs") else { return [] }
        return text.split(separator: "\n").compactMap { Int32($0) }
    }

    func number(_ file: String) -> UInt64? {
        guard let text = try? readTextFile("\(path)/\(file)") else { return nil }
        return UInt64(text.trimmingTrailingNewlines())
    }

    func keyedNumbers(_ file: String) -> [String: UInt64] {
        guard let text = try? readTextFile("\(path)/\(file)") else { return [:] }
        var values: [String: UInt64] = [:]
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, let value = UInt64(parts[1]) { values[String(parts[0])] = value }
        }
        return values
    }

    func write(_ file: String, _ value: String) throws {
        let target = "\(path)/\(file)"
        let fd = open(target, O_WRONLY | O_CLOEXEC)
        guard fd >= 0 else { throw KataError.system("cgroup \(target)", errno: errno) }
        defer { close(fd) }
        let bytes = Array(value.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count else {
            throw KataError.system("cgroup \(target): write \"\(value)\"", errno: errno)
        }
    }
}
