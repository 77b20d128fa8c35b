import Testing

@testable import Host

@Suite struct ParsingTests {
    @Test func cpuInfoReadsFirstProcessorOnly() {
        let cpu = CPUInfo(parsing: FakeHost.amdCPUInfo)
        #expect(cpu.vendorID == "AuthenticAMD")
        #expect(cpu.vendor == .amd)
        #expect(cpu.modelName == "AMD EPYC 9654 96-Core Processor")
        #expect(cpu.flags == ["fpu", "lm", "svm", "sse4_1", "sev", "sev_es"])
        #expect(cpu.virtualisationFlag == "svm")
        #expect(cpu.requiredFlags.map(\.flag) == ["svm", "lm", "sse4_1"])
    }

    @Test func cpuInfoOfOtherVendorsAndEmptyText() {
        let intel = CPUInfo(parsing: FakeHost.intelCPUInfo)
        #expect(intel.vendor == .intel)
        #expect(intel.requiredFlags.map(\.flag) == ["vmx", "lm", "sse4_1"])
        let empty = CPUInfo(parsing: "")
        #expect(empty.vendor == .other)
        #expect(empty.flags.isEmpty)
        #expect(empty.requiredFlags.map(\.flag) == ["lm", "sse4_1"])
    }

    @Test func osReleaseHandlesQuotesAndComments() {
        let fields = OperatingSystem.parseOSRelease(
            """
            # comment
            PRETTY_NAME="Debian GNU/Linux 12 (bookworm)"
            NAME='Debian GNU/Linux'
            VERSION_ID=12
            BROKEN
            EMPTY=""
            """)
        #expect(fields["NAME"] == "Debian GNU/Linux")
        #expect(fields["PRETTY_NAME"] == "Debian GNU/Linux 12 (bookworm)")
        #expect(fields["VERSION_ID"] == "12")
        #expect(fields["EMPTY"] == "")
        #expect(fields["BROKEN"] == nil)
    }

    @Test func memInfoFigures() {
        let memory = MemoryInfo(
            parsing:
                "MemTotal:       24684084 kB\nMemFree:        23125212 kB\nMemAvailable:   24090372 kB\nBogus: x kB\n"
        )
        #expect(
            memory
                == MemoryInfo(
                    parsing: "MemTotal: 24684084 kB\nMemFree: 23125212 kB\nMemAvailable: 24090372 kB"))
        #expect(memory.totalKiB == 24_684_084)
        #expect(memory.availableKiB == 24_090_372)
        #expect(MemoryInfo(parsing: "").totalKiB == 0)
    }

    @Test func moduleFlagValues() throws {
        let host = try FakeHost()
        try host.loadModule(
            "kvm_amd", parameters: ["sev": "Y", "sev_es": "1", "sev_snp": "N", "nested": "0", "odd": "maybe"])
        try host.loadModule("kvm_pvm")
        let modules = KernelModules(filesystem: HostFilesystem(root: host.root))
        #expect(modules.flag("kvm_amd", "sev") == true)
        #expect(modules.flag("kvm_amd", "sev_es") == true)
        #expect(modules.flag("kvm_amd", "sev_snp") == false)
        #expect(modules.flag("kvm_amd", "nested") == false)
        #expect(modules.flag("kvm_amd", "odd") == nil)
        #expect(modules.flag("kvm_amd", "absent") == nil)
        #expect(modules.isLoaded("kvm_amd"))
        #expect(!modules.isLoaded("kvm_intel"))
        #expect(modules.kvmBackends() == ["kvm_amd", "kvm_pvm"])
    }

    @Test func filesystemStaysUnderRoot() throws {
        let host = try FakeHost()
        try host.write("/etc/os-release", "NAME=Fake\n")
        let fs = HostFilesystem(root: host.root + "/")
        #expect(fs.resolve("/etc/os-release") == host.root + "/etc/os-release")
        #expect(fs.readLine("/etc/os-release") == "NAME=Fake")
        #expect(fs.kind("/etc") == .directory)
        #expect(fs.kind("/etc/os-release") == .regular)
        #expect(fs.kind("/missing") == nil)
        #expect(fs.readText("/missing") == nil)
        #expect(fs.entries("/etc") == ["os-release"])
        #expect(fs.readText("/etc/os-release", limit: 3) == "NAM")
    }
}
