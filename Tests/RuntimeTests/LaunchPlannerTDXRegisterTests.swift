import Host
import KataConfig
import KataCore
import Runtime
import TDX
import Testing

/// The TD boot profile the planner measures with: upstream Kata's by default, the probed
/// QEMU's release and the configured TDVF release when given; a bad release names its key.
@Suite struct LaunchPlannerTDXRegisterTests {
    @Test func theProfileFollowsTheProbedQEMUAndTheConfiguredFirmware() throws {
        let host = try PlannerHost.make(.intelTDX)
        var configuration = try confidentialConfiguration(host, .tdx)
        let upstream = try #require(try plan(configuration, on: host).measurement?.tdx)
        #expect(upstream.profile == .upstreamKata && upstream.mrTD.count == 96)
        #expect(upstream.events.map(\.name).first == "tdvfkernel")

        configuration.hypervisor.tdx.firmwareEDK2Release = "edk2-stable202408"
        let older = try #require(try plan(configuration, on: host).measurement?.tdx)
        #expect(older.profile.separator == .rtmr0 && older.profile.initrdOption == .suffix)
        #expect(older.rtmr1 != upstream.rtmr1)

        let qemu = QEMUBinary(
            path: "/usr/bin/qemu-system-x86_64", executable: true,
            version: "QEMU emulator version 10.1.0 (v10.1.0)", objectTypes: ["tdx-guest"])
        let probed = try LaunchPlanner(configuration: configuration, host: host.facts, qemu: qemu).plan(
            LaunchRequest(sandboxID: "sb1", paths: testPaths, annotations: [:]))
        #expect(probed.measurement?.tdx?.profile.kernelHeader == .patched)

        configuration.hypervisor.tdx.firmwareEDK2Release = "stable-2024"
        let error = try #require(throws: KataError.self) { try plan(configuration, on: host) }
        #expect(error.message.contains("hypervisor.qemu.tdx_firmware_edk2_release"))
    }
}
