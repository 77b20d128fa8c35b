import KataCore
import Testing

@testable import Host

/// SEV and TDX hardware is not on this machine: these tests build the files and CPUID values
/// such hosts expose, in a temporary root.
@Suite struct ConfidentialSupportTests {
    @Test func plainHostOffersOnlyNone() throws {
        let host = try FakeHost()
        let support = ConfidentialSupport.probe(host.probe)
        #expect(support.availableGuestProtections == [.none])
        #expect(support.memoryEncryption == nil)
        #expect(!support.sevDevicePresent)
        #expect(support.sev.reason.contains("no /sys/module/kvm_amd/parameters/sev"))
        #expect(support.sev.reason.contains("no /dev/sev"))
        #expect(support.tdx.reason.contains("kvm_intel"))
    }

    @Test func sevAndSevESWithoutSNP() throws {
        let host = try FakeHost()
        try host.loadModule("kvm_amd", parameters: ["sev": "Y", "sev_es": "Y", "sev_snp": "N"])
        try host.makeCharacterDevice("/dev/sev")
        host.reportMemoryEncryption(sev: true, sevES: true, snp: true)
        let support = ConfidentialSupport.probe(host.probe)
        #expect(support.availableGuestProtections == [.none, .sev, .sevES])
        #expect(support.memoryEncryption?.cBitPosition == 51)
        #expect(support.memoryEncryption?.reducedPhysBits == 1)
        #expect(support.sev.reason.contains("C-bit 51"))
        #expect(!support.snp.available)
        #expect(support.snp.reason == "kvm_amd parameter sev_snp is N")
    }

    @Test func snpHostWithNumericParameters() throws {
        let host = try FakeHost()
        try host.loadModule("kvm_amd", parameters: ["sev": "1", "sev_es": "1", "sev_snp": "1"])
        try host.makeCharacterDevice("/dev/sev")
        host.reportMemoryEncryption(sev: true, sevES: true, snp: true)
        let support = ConfidentialSupport.probe(host.probe)
        #expect(support.availableGuestProtections == [.none, .sev, .sevES, .snp])
        #expect(support.snp.reason.contains("kvm_amd sev_snp=1"))
    }

    @Test func cpuMustReportEachFeature() throws {
        let host = try FakeHost()
        try host.loadModule("kvm_amd", parameters: ["sev": "Y", "sev_es": "Y", "sev_snp": "Y"])
        try host.makeCharacterDevice("/dev/sev")
        host.reportMemoryEncryption(sev: true, sevES: false, snp: false)
        let support = ConfidentialSupport.probe(host.probe)
        #expect(support.availableGuestProtections == [.none, .sev])
        #expect(support.snp.reason == "CPUID 0x8000001F does not report SEV-SNP")
    }

    @Test func sevDeviceMustBeACharacterDevice() throws {
        let host = try FakeHost()
        try host.loadModule("kvm_amd", parameters: ["sev": "Y"])
        try host.write("/dev/sev", "")
        host.reportMemoryEncryption(sev: true, sevES: false, snp: false)
        let support = ConfidentialSupport.probe(host.probe)
        #expect(!support.sevDevicePresent)
        #expect(support.sev.reason == "no /dev/sev character device")
    }

    @Test func zeroCBitMeansNoMemoryEncryption() throws {
        let host = try FakeHost()
        host.reportMemoryEncryption(sev: true, sevES: true, snp: true)
        host.cpuidLeaves[0x8000_001F]?.ebx = 0
        #expect(ConfidentialSupport.probe(host.probe).memoryEncryption == nil)
        host.cpuidLeaves[0x8000_0000] = CPUIDRegisters(eax: 0x8000_001E, ebx: 0, ecx: 0, edx: 0)
        host.cpuidLeaves[0x8000_001F]?.ebx = 51
        #expect(ConfidentialSupport.probe(host.probe).memoryEncryption == nil)
    }

    @Test(arguments: [("Y", true), ("1", true), ("N", false), ("0", false)])
    func tdxFollowsKvmIntelParameter(value: String, available: Bool) throws {
        let host = try FakeHost()
        try host.loadModule("kvm_intel", parameters: ["tdx": value])
        let support = ConfidentialSupport.probe(host.probe)
        #expect(support.tdx.available == available)
        #expect(support.availableGuestProtections == (available ? [.none, .tdx] : [.none]))
        #expect(support.tdx.reason.contains(value))
    }

    @Test func protectionNamesMatchUpstream() {
        #expect(GuestProtection.allCases.map(\.rawValue) == ["none", "sev", "sev-es", "snp", "tdx"])
    }
}
