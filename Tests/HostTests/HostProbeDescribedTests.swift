import Host
import KataCore
import Testing

@Suite struct HostProbeDescribedTests {
    @Test func leavesAreReadAsGivenAndOthersAsZero() throws {
        let probe = try HostProbe.described(
            filesystem: HostFilesystem(root: "/nonexistent"),
            cpuidLeaves: ["0x8000001f=0x1b,0x16f,1fd,0", "1=a00f11,0,0,0"],
            option: "--host-cpuid")
        #expect(probe.cpuid(0x8000_001f, 0) == CPUIDRegisters(eax: 0x1b, ebx: 0x16f, ecx: 0x1fd, edx: 0))
        #expect(probe.cpuid(1, 0)?.eax == 0xa0_0f11)
        #expect(probe.cpuid(7, 0) == CPUIDRegisters(eax: 0, ebx: 0, ecx: 0, edx: 0))
    }

    @Test(arguments: ["1=0,0,0", "=0,0,0,0", "1", "0xg=0,0,0,0", "1=0,0,0,123456789", "1=0,,0,0,0"])
    func malformedLeavesAreRefusedNamingTheOption(_ item: String) {
        let error = #expect(throws: KataError.self) {
            try HostProbe.described(filesystem: .live, cpuidLeaves: [item], option: "--host-cpuid")
        }
        #expect(error?.message.contains("--host-cpuid \(item)") == true)
    }
}
