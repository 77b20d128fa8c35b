import Foundation
import KataCore
import Logging
import Testing
import VirtualMachine

@testable import QEMU

/// Root ports at fixed slots, and hot-plug of read-only disks into them with real QEMU: the
/// PCI path follows the port's slot, a failed attach undoes itself and frees its port, and
/// a VM without a free port says so.
@Suite struct HotplugTests {
    @Test func rootPortsSitAtFixedSlots() throws {
        let arguments = try DescriptionRenderingTests.arguments(
            DescriptionRenderingTests.plain { $0.hotplugPorts = 2 })
        #expect(
            arguments.contains("pcie-root-port,id=rp0,bus=pcie.0,addr=0xf,chassis=1,slot=1"), "\(arguments)")
        #expect(
            arguments.contains("pcie-root-port,id=rp1,bus=pcie.0,addr=0x10,chassis=1,slot=2"), "\(arguments)")
        let none = try DescriptionRenderingTests.arguments(DescriptionRenderingTests.plain())
        #expect(!none.joined(separator: " ").contains("pcie-root-port"))
    }

    @Test func pciPathsParseStrictly() throws {
        #expect(try GuestPCIPath(parsing: "0f/00").slots == [15, 0])
        #expect(try GuestPCIPath(parsing: "1E/1f/00").description == "1e/1f/00")
        for bad in ["", "f/00", "0f/", "0f//00", "20/00", "0x/00", "0f/00/00/00/00/00/00/00/00", " 0f/00"] {
            #expect(throws: KataError.self, "\(bad)") { try GuestPCIPath(parsing: bad) }
        }
    }

    @Test func attachReturnsThePortsPathAndAFailedAttachUndoesItself() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        var description = VirtualMachineDescription(
            sandboxID: "hotplug-test", runDirectory: guest.runDirectory,
            hypervisorPath: "/usr/bin/qemu-system-x86_64", accelerator: .tcg, cpuModel: "max", vcpus: 1,
            memoryMiB: 128, kernel: try TestGuest.kernel(), initrd: nil,
            kernelCommandLine: "console=ttyS0 quiet panic=-1",
            agentChannel: .virtioSerial(socketPath: guest.runDirectory + "/agent.sock"))
        description.hotplugPorts = 1
        let disk = guest.directory.appendingPathComponent("disk.img").path
        try Data(count: 1 << 20).write(to: URL(fileURLWithPath: disk))
        let vm = try await QEMUBackend().launch(description, logger: Logger(label: "test.qemu"))
        do {
            let qemu = try #require(vm as? QEMUVirtualMachine)

            let missing = await #expect(throws: KataError.self) {
                _ = try await vm.attachReadOnlyBlockDevice(
                    id: "d0", path: disk + ".missing", timeout: .seconds(10))
            }
            #expect(missing?.message.contains("blockdev-add") == true, "\(String(describing: missing))")
            // The port is free again: the next attach takes it.
            let path = try await vm.attachReadOnlyBlockDevice(id: "d1", path: disk, timeout: .seconds(10))
            #expect(path.description == "0f/00")
            let nodes = try await qemu.instance.qmp.execute("query-named-block-nodes")
            #expect("\(nodes)".contains("blk-d1") && !"\(nodes)".contains("blk-d0"), "\(nodes)")
            let full = await #expect(throws: KataError.self) {
                _ = try await vm.attachReadOnlyBlockDevice(id: "d2", path: disk, timeout: .seconds(10))
            }
            #expect(full?.message.contains("no free PCIe root port") == true)
            let unknown = await #expect(throws: KataError.self) {
                try await vm.detachBlockDevice(id: "d9", timeout: .seconds(1))
            }
            #expect(unknown?.code == .notFound)
        } catch {
            await vm.stop(timeout: .seconds(2))
            throw error
        }
        await vm.stop(timeout: .seconds(2))
    }
}
