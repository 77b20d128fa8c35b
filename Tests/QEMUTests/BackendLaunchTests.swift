import Foundation
import KataCore
import Logging
import Testing
import VirtualMachine

@testable import QEMU

/// `QEMUBackend` launches a description with real QEMU under TCG: the guest boots, the running
/// VM reports its pid and description, and stopping it leaves nothing.
@Suite struct BackendLaunchTests {
    @Test func launchesADescriptionBootsItAndStops() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let initrd = guest.directory.appendingPathComponent("initrd.cpio").path
        try Data(try TestGuest.initrd.get()).write(to: URL(fileURLWithPath: initrd))
        let description = VirtualMachineDescription(
            sandboxID: "backend-test", runDirectory: guest.runDirectory,
            hypervisorPath: "/usr/bin/qemu-system-x86_64", accelerator: .tcg, cpuModel: "max", vcpus: 1,
            memoryMiB: 256, kernel: try TestGuest.kernel(), initrd: initrd,
            kernelCommandLine: "console=ttyS0 quiet panic=-1 rdinit=/init",
            agentChannel: .virtioSerial(socketPath: guest.runDirectory + "/agent.sock"))
        let vm = try await QEMUBackend().launch(description, logger: Logger(label: "test.qemu"))
        let qemu = try #require(vm as? QEMUVirtualMachine)
        do {
            #expect(vm.pid > 0 && vm.pid == qemu.instance.pid)
            #expect(vm.launchDescription == description)
            // QEMU made the agent's socket where the description said.
            #expect(FileManager.default.fileExists(atPath: guest.runDirectory + "/agent.sock"))
            try await waitForMarker(in: description.consoleLogPath)
            let cmdline = try String(contentsOfFile: "/proc/\(vm.pid)/cmdline", encoding: .utf8)
            #expect(cmdline.contains("sandbox-backend-test"))
        } catch {
            await vm.stop(timeout: .seconds(2))
            throw error
        }
        await vm.stop(timeout: .seconds(5))
        #expect(await vm.waitForExit() == "exit status 0")
        TestGuest.expectGone(qemu.instance)
    }

    /// A launch that fails (here: no such QEMU binary) throws and leaves no run directory.
    @Test func aFailedLaunchLeavesNothing() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let description = VirtualMachineDescription(
            sandboxID: "backend-test", runDirectory: guest.runDirectory,
            hypervisorPath: guest.directory.path + "/no-such-qemu", accelerator: .tcg, cpuModel: "max",
            vcpus: 1, memoryMiB: 256, kernel: "/nonexistent/vmlinux", initrd: nil, kernelCommandLine: "",
            agentChannel: .virtioSerial(socketPath: guest.runDirectory + "/agent.sock"))
        let error = await #expect(throws: KataError.self) {
            _ = try await QEMUBackend().launch(description, logger: Logger(label: "test.qemu"))
        }
        #expect(error?.code == .system)
        #expect(!FileManager.default.fileExists(atPath: guest.runDirectory))
    }

    private func waitForMarker(in log: String, timeout: Duration = .seconds(90)) async throws {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let text = try? String(contentsOfFile: log, encoding: .utf8),
                text.contains(TestGuest.readyMarker)
            {
                return
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        throw KataError(.timeout, "guest did not print \(TestGuest.readyMarker) within \(timeout)")
    }
}
