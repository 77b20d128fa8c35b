/// What an update writes, with every value from the host clamped into the range the kernel
/// accepts, so no request value can trap a conversion or be refused for being out of range.
extension CgroupV2.Update {
    /// cpu.max: the kernel takes a period of 1 ms ... 1 s and a quota of at least 1 ms and at
    /// most 2^44 - 1 µs (kernel/sched/core.c: min/max_cfs_quota_period, max_cfs_runtime).
    static let cpuPeriodRange: ClosedRange<UInt64> = 1000...1_000_000
    static let cpuQuotaRange: ClosedRange<Int64> = 1000...((1 << 44) - 1)
    static let defaultCPUPeriod: UInt64 = 100_000
    /// cgroup v1 cpu.shares (2 ... 262144) maps linearly onto cgroup v2 cpu.weight
    /// (1 ... 10000), the formula runc and crun use.
    static let cpuSharesRange: ClosedRange<UInt64> = 2...262_144
    /// pids.max: at most PID_MAX_LIMIT (4 Mi on 64-bit kernels).
    static let pidsRange: ClosedRange<Int64> = 1...(4 << 20)

    /// (file, value) pairs in the order to write them; nil fields are left alone. A zero or
    /// negative memory, quota or pids limit means "no limit" ("max"), as in the OCI spec.
    public var settings: [(file: String, value: String)] {
        var out: [(file: String, value: String)] = []
        if let memory = memoryMax { out.append(("memory.max", memory > 0 ? String(memory) : "max")) }
        if cpuQuota != nil || cpuPeriod != nil {
            let quota = cpuQuota.map { $0 > 0 ? String($0.clamped(to: Self.cpuQuotaRange)) : "max" } ?? "max"
            let period = (cpuPeriod ?? Self.defaultCPUPeriod).clamped(to: Self.cpuPeriodRange)
            out.append(("cpu.max", "\(quota) \(period)"))
        }
        if let shares = cpuShares, shares > 0 {
            out.append(("cpu.weight", String(Self.cpuWeight(shares: shares))))
        }
        if let pids = pidsMax {
            out.append(("pids.max", pids > 0 ? String(pids.clamped(to: Self.pidsRange)) : "max"))
        }
        return out
    }

    /// cpu.weight for cgroup v1 shares: 1 + (shares - 2) * 9999 / 262142, shares clamped first
    /// (so shares of 0 or 1 cannot underflow, nor huge shares overflow).
    static func cpuWeight(shares: UInt64) -> UInt64 {
        let clamped = shares.clamped(to: cpuSharesRange)
        return 1 + (clamped - cpuSharesRange.lowerBound) * 9999 / 262_142
    }
}

extension Comparable {
    func clamped(to range: ClosedRange<Self>) -> Self { min(max(self, range.lowerBound), range.upperBound) }
}
