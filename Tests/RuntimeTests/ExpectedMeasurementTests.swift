import Firmware
import Foundation
import KataCore
import Logging
import SEV
import TDX
import Testing
import VirtualMachine

@testable import Runtime

/// `ExpectedMeasurement.compute` against the SEV and TDX modules called directly with the
/// values the description holds (those modules match sev-snp-measure 0.0.13 and the
/// independent MRTD calculation in MeasurementTests).
@Suite struct ExpectedMeasurementTests {
    let fixture: MeasurementFixture
    let hostSignature: UInt64 = 0x00a1_0f11  // an EPYC Genoa's CPUID(1).EAX

    init() throws { fixture = try MeasurementFixture() }

    func direct(vcpus: Int = 2, signature: UInt64 = 0) -> SEVLaunch {
        SEVLaunch(
            firmwarePath: fixture.firmware, kernelPath: fixture.kernel, initrdPath: fixture.initrd,
            cmdline: fixture.cmdline, vcpus: vcpus, vcpuSignature: signature, guestFeatures: 0x1)
    }

    @Test func plainVMHasNoMeasurement() throws {
        #expect(try ExpectedMeasurement.compute(for: fixture.vm(nil), hostCPUSignature: hostSignature) == nil)
    }

    @Test func sevMatchesTheSEVModule() throws {
        let result = try #require(
            try ExpectedMeasurement.compute(for: fixture.vm(MeasurementFixture.sev), hostCPUSignature: nil))
        #expect(result.mode == .sev && result.algorithm == "sha256")
        #expect(result.measurement == hexString(try SEVMeasurement.sev(direct()).digest))
        let names = result.inputs.map(\.name)
        #expect(names == ["firmware", "kernel", "initrd", "cmdline", "policy"])
        let kernel = try #require(result.inputs.first { $0.name == "kernel" })
        #expect(kernel.digest == hexString(try DigestAlgorithm.sha256.hash(contentsOf: fixture.kernel)))
        let cmdline = try #require(result.inputs.first { $0.name == "cmdline" })
        #expect(cmdline.digest == hexString(DigestAlgorithm.sha256.hash(Array(fixture.cmdline.utf8) + [0])))
        let firmware = try #require(result.inputs.first)
        #expect(firmware.digest == hexString(try DigestAlgorithm.sha256.hash(contentsOf: fixture.firmware)))
        #expect(firmware.size == 16 * 4096)
    }

    @Test func sevESWithHostModelUsesTheHostSignature() throws {
        let vm = fixture.vm(MeasurementFixture.sevES, cpuModel: "host", vcpus: 3)
        let result = try #require(try ExpectedMeasurement.compute(for: vm, hostCPUSignature: hostSignature))
        #expect(result.mode == .sevES)
        #expect(
            result.measurement
                == hexString(try SEVMeasurement.sevES(direct(vcpus: 3, signature: hostSignature)).digest))
        #expect(result.inputs.contains(MeasuredInput(name: "vcpus", value: "3")))
        #expect(result.inputs.contains(MeasuredInput(name: "vcpu_signature", value: "0xa10f11")))
        #expect(throws: KataError.self) { try ExpectedMeasurement.compute(for: vm, hostCPUSignature: nil) }
    }

    @Test func sevESWithNamedModelUsesItsSignature() throws {
        let vm = fixture.vm(MeasurementFixture.sevES, cpuModel: "EPYC-Milan", vcpus: 2)
        let result = try #require(try ExpectedMeasurement.compute(for: vm, hostCPUSignature: nil))
        let signature = try #require(CPUSignature.forType("EPYC-Milan"))
        #expect(
            result.measurement == hexString(try SEVMeasurement.sevES(direct(signature: signature)).digest))
        let unknown = fixture.vm(MeasurementFixture.sevES, cpuModel: "max")
        #expect(throws: KataError.self) { try ExpectedMeasurement.compute(for: unknown, hostCPUSignature: 1) }
    }

    @Test func snpMatchesTheSEVModuleAndFollowsVCPUs() throws {
        var seen: Set<String> = []
        for vcpus in [1, 2, 4] {
            let vm = fixture.vm(MeasurementFixture.snp, cpuModel: SNPLaunchOptions.vcpuModel, vcpus: vcpus)
            let result = try #require(
                try ExpectedMeasurement.compute(for: vm, hostCPUSignature: hostSignature))
            let signature = try #require(CPUSignature.forType("EPYC-v4"))
            #expect(result.mode == .snp && result.algorithm == "sha384")
            #expect(
                result.measurement
                    == hexString(try SNPMeasurement.snp(direct(vcpus: vcpus, signature: signature)).digest))
            #expect(result.inputs.contains(MeasuredInput(name: "guest_features", value: "0x1")))
            seen.insert(result.measurement)
        }
        #expect(seen.count == 3)
    }

    @Test func tdxIsTheMRTDOfTheFirmware() throws {
        let vm = fixture.vm(MeasurementFixture.tdx)
        let result = try #require(try ExpectedMeasurement.compute(for: vm, hostCPUSignature: nil))
        #expect(result.mode == .tdx && result.algorithm == "sha384")
        #expect(result.measurement == hexString(try MRTD.compute(firmwarePath: fixture.firmware)))
        #expect(
            result.inputs.first?.digest
                == hexString(try DigestAlgorithm.sha384.hash(contentsOf: fixture.firmware)))
        // RTMR1/RTMR2 of the described boot, upstream Kata's profile when no QEMU was probed.
        let boot = try TDXDirectBoot.compute(
            kernel: vm.kernel, initrd: vm.initrd, commandLine: vm.kernelCommandLine,
            memoryBytes: UInt64(vm.memoryMiB) << 20, profile: .upstreamKata)
        let registers = try #require(result.tdx)
        #expect(registers.mrTD == result.measurement)
        #expect(registers.rtmr1 == hexString(boot.rtmr1) && registers.rtmr2 == hexString(boot.rtmr2))
        #expect(registers.events == boot.events && registers.stubMeasures)
        // The sandbox's launch log line carries both RTMRs beside MRTD.
        #expect(result.logMetadata["launch_rtmr_1"] == .string(registers.rtmr1))
        #expect(result.logMetadata["launch_rtmr_2"] == .string(registers.rtmr2))
        // A probed QEMU 10.1 patches the kernel header: RTMR1 changes, RTMR2 does not.
        let older = try #require(
            try ExpectedMeasurement.compute(
                for: vm, hostCPUSignature: nil,
                qemuVersion: "QEMU emulator version 10.1.3 (Debian 1:10.1.3+ds-1)"))
        #expect(older.tdx?.profile.kernelHeader == .patched)
        #expect(older.tdx?.rtmr1 != registers.rtmr1 && older.tdx?.rtmr2 == registers.rtmr2)
    }

    @Test func refusalsNameTheInput() throws {
        var vm = fixture.vm(MeasurementFixture.snp, cpuModel: "EPYC-v4")
        vm.firmware = nil
        #expect(throws: KataError.self) { try ExpectedMeasurement.compute(for: vm, hostCPUSignature: nil) }
        vm.firmware = fixture.directory + "/missing.fd"
        do {
            _ = try ExpectedMeasurement.compute(for: vm, hostCPUSignature: nil)
            Issue.record("a missing firmware file was measured")
        } catch let error as KataError {
            #expect(error.description.contains("missing.fd"))
        }
    }

    @Test func sandboxStateKeepsTheMeasurementAndLoadsOldFiles() throws {
        let paths = SandboxPaths(sandboxID: "sb1", stateRoot: fixture.directory + "/state")
        let measurement = try #require(
            try ExpectedMeasurement.compute(for: fixture.vm(MeasurementFixture.sev), hostCPUSignature: nil))
        try SandboxState(paths: paths, hypervisorPID: 42, measurement: measurement).save()
        #expect(try SandboxState.load(paths).measurement == measurement)
        // A state file from before the field existed.
        let old =
            #"{"paths":{"stateRoot":"\#(paths.stateRoot)","sharedRoot":"/x","sandboxID":"sb1"},"mounts":[],"containers":[]}"#
        try Data(old.utf8).write(to: URL(fileURLWithPath: paths.stateFile))
        let loaded = try SandboxState.load(paths)
        #expect(loaded.measurement == nil && loaded.hypervisorPID == nil)
    }
}
