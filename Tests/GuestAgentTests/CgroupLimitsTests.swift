import Testing

@testable import GuestAgent

/// Limits from the host are clamped into the kernel's ranges; no value can trap.
@Suite struct CgroupLimitsTests {
    func settings(_ update: CgroupV2.Update) -> [String: String] {
        Dictionary(update.settings.map { ($0.file, $0.value) }, uniquingKeysWith: { $1 })
    }

    @Test func sharesMapOntoWeightAcrossTheWholeRange() {
        #expect(CgroupV2.Update.cpuWeight(shares: 2) == 1)
        #expect(CgroupV2.Update.cpuWeight(shares: 1024) == 39)
        #expect(CgroupV2.Update.cpuWeight(shares: 262_144) == 10_000)
        // Below and above v1's range: clamped, no underflow of shares - 2, no overflow of * 9999.
        #expect(CgroupV2.Update.cpuWeight(shares: 1) == 1)
        #expect(CgroupV2.Update.cpuWeight(shares: .max) == 10_000)
        #expect(settings(.init(cpuShares: 1))["cpu.weight"] == "1")
        #expect(settings(.init(cpuShares: 0))["cpu.weight"] == nil, "0 shares: left alone")
    }

    @Test func quotaAndPeriodStayInTheKernelsRange() {
        #expect(settings(.init(cpuQuota: 50_000, cpuPeriod: 100_000))["cpu.max"] == "50000 100000")
        #expect(settings(.init(cpuQuota: 1, cpuPeriod: 1))["cpu.max"] == "1000 1000")
        #expect(settings(.init(cpuQuota: .max, cpuPeriod: .max))["cpu.max"] == "17592186044415 1000000")
        #expect(settings(.init(cpuQuota: -1))["cpu.max"] == "max 100000")
        #expect(settings(.init(cpuPeriod: 250_000))["cpu.max"] == "max 250000")
    }

    @Test func memoryAndPidsLimits() {
        #expect(settings(.init(memoryMax: .max))["memory.max"] == String(Int64.max))
        #expect(settings(.init(memoryMax: .min))["memory.max"] == "max")
        #expect(settings(.init(pidsMax: .max))["pids.max"] == "4194304")
        #expect(settings(.init(pidsMax: .min))["pids.max"] == "max")
        #expect(settings(.init(pidsMax: 50))["pids.max"] == "50")
        #expect(CgroupV2.Update().settings.isEmpty)
    }
}
