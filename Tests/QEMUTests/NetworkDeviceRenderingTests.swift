import Testing
import VirtualMachine

@testable import QEMU

/// A pod's NICs: virtio-net on tap descriptors QEMU inherits at 3, 4, ... in order, with the
/// CNI interface's MAC and no option ROM; no tap is opened by name, so no CAP_NET_ADMIN.
@Suite struct NetworkDeviceRenderingTests {
    @Test func tapDescriptorsBecomeInheritedFDsInOrder() throws {
        let vm = DescriptionRenderingTests.plain {
            $0.networkDevices = [
                NetworkDevice(id: "net0", macAddress: "02:42:0a:58:4d:03", tapDescriptor: 41),
                NetworkDevice(id: "net1", macAddress: "02:42:0a:58:4d:04", tapDescriptor: 17),
            ]
        }
        let line = try QEMUCommandLine(rendering: vm)
        #expect(line.passedDescriptors == [41, 17])
        let arguments = line.arguments.joined(separator: " ")
        #expect(
            arguments.contains(
                "-netdev tap,id=netdev-net0,fd=3 -device virtio-net-pci,id=net0,netdev=netdev-net0,"
                    + "mac=02:42:0a:58:4d:03,romfile="))
        #expect(arguments.contains("-netdev tap,id=netdev-net1,fd=4 "))
        #expect(
            line.hostCapabilities
                == (try QEMUCommandLine(rendering: DescriptionRenderingTests.plain())).hostCapabilities)
    }

    @Test func noNetworkMeansNoNIC() throws {
        let line = try QEMUCommandLine(rendering: DescriptionRenderingTests.plain())
        #expect(line.passedDescriptors.isEmpty)
        #expect(!line.arguments.contains("-netdev"))
        #expect(line.arguments.contains("-nodefaults"), "no default NIC either")
    }
}
