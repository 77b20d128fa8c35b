import Foundation
import Testing

@testable import Host

@Suite struct KVMStatusTests {
    let amd = CPUInfo(parsing: FakeHost.amdCPUInfo)

    @Test func missingDeviceIsUnusable() throws {
        let host = try FakeHost()
        let kvm = KVMStatus.probe(host.probe, cpu: amd)
        #expect(kvm.createVM == .deviceMissing)
        #expect(kvm.usability == .unusable)
        #expect(kvm.usabilityReason.hasSuffix("/dev/kvm does not exist"))
    }

    /// A device that is not KVM (here /dev/null's numbers) fails the real KVM_GET_API_VERSION ioctl.
    @Test func nonKVMDeviceFailsTheIoctl() throws {
        let host = try FakeHost()
        try host.makeCharacterDevice("/dev/kvm")
        let kvm = KVMStatus.probe(host.probe, cpu: amd)
        #expect(kvm.createVM == .failed(step: "KVM_GET_API_VERSION", errno: ENOTTY))
        #expect(kvm.usability == .unusable)
        #expect(kvm.usabilityReason.contains("KVM_GET_API_VERSION"))
    }

    @Test func unreadableDeviceFailsTheOpen() throws {
        let host = try FakeHost()
        try host.makeDirectory("/dev/kvm")
        let kvm = KVMStatus.probe(host.probe, cpu: amd)
        #expect(kvm.createVM == .failed(step: "open", errno: EISDIR))
    }

    @Test func usabilityNeedsOwnHardwareVirtualisation() {
        var kvm = KVMStatus(
            devicePath: "/dev/kvm", deviceKind: .characterDevice, createVM: .created(apiVersion: 12),
            backendModules: ["kvm_amd"], nested: false, runningUnderHypervisor: false,
            hardwareVirtualisation: true)
        #expect(kvm.usability == .usable)
        #expect(!kvm.usabilityReason.contains("may still hang"))

        kvm.runningUnderHypervisor = true
        kvm.nested = true
        #expect(kvm.usability == .uncertain)
        #expect(kvm.usabilityReason.contains("hypervisor"))
        #expect(kvm.usabilityReason.contains("nested"))
        #expect(kvm.usabilityReason.contains("may still hang"))

        kvm.runningUnderHypervisor = false
        kvm.backendModules = ["kvm_pvm"]
        kvm.hardwareVirtualisation = false
        #expect(kvm.usability == .uncertain)
        #expect(kvm.usabilityReason.contains("no vmx/svm"))
    }

    @Test func nestedAndHypervisorBitAreRead() throws {
        let host = try FakeHost()
        try host.loadModule("kvm_amd", parameters: ["nested": "1"])
        host.cpuidLeaves[1] = CPUIDRegisters(eax: 0, ebx: 0, ecx: 1 << 31, edx: 0)
        let kvm = KVMStatus.probe(host.probe, cpu: amd)
        #expect(kvm.nested == true)
        #expect(kvm.runningUnderHypervisor)
        #expect(kvm.hardwareVirtualisation)
        #expect(kvm.backendModules == ["kvm_amd"])
    }

    /// The real /dev/kvm of this machine: KVM's API version has been 12 since Linux 2.6.22.
    @Test func realKVMCreateVM() {
        let kvm = KVMStatus.probe(
            .live, cpu: CPUInfo(parsing: HostFilesystem.live.readText("/proc/cpuinfo") ?? ""))
        if HostFilesystem.live.kind("/dev/kvm") == .characterDevice {
            #expect(kvm.createVM == .created(apiVersion: 12), "\(kvm.usabilityReason)")
        } else {
            #expect(kvm.createVM == .deviceMissing)
        }
        let cpuinfoSaysHypervisor =
            HostFilesystem.live.readText("/proc/cpuinfo")?.contains(" hypervisor") ?? false
        #expect(kvm.runningUnderHypervisor == cpuinfoSaysHypervisor)
    }
}
