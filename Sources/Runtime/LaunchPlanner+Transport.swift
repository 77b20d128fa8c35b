import KataCore
import VirtualMachine

/// How the host reaches the guest: the shared directory (`shared_fs`) and the agent channel
/// (`agent_transport`).
extension LaunchPlanner {
    struct Sharing {
        var shares: [SharedDirectory]
        var guestShare: GuestShare?
        /// PCIe root ports for hot-plugged block devices.
        var hotplugPorts: Int = 0
    }

    /// Root ports a sandbox without a share gets at least: one a container root filesystem.
    static let minimumBlockRootPorts = 8

    /// `virtio-9p` shares the sandbox's directory (and gets `pcie_root_port` ports); `none`
    /// shares nothing: each container's root filesystem arrives as a hot-plugged read-only
    /// block device (`RootfsImage`), so the VM gets enough PCIe root ports; `virtio-fs` (upstream's default) is refused while this
    /// runtime runs no virtiofsd.
    func sharing(_ request: LaunchRequest) throws -> Sharing {
        let q = configuration.hypervisor
        switch q.sharedFS {
        case "virtio-9p":
            return Sharing(
                shares: [
                    SharedDirectory(
                        hostPath: request.paths.sharedDirectory, tag: Self.shareTag,
                        readOnly: request.shareReadOnly)
                ], guestShare: GuestShare(tag: Self.shareTag, msize: UInt32(clamping: q.msize9p)),
                hotplugPorts: q.machineType == "q35" ? q.pcieRootPort : 0)
        case "none":
            guard q.machineType == "q35" else {
                throw KataError(
                    .invalidConfig,
                    "hypervisor.qemu.shared_fs = \"none\" hot-plugs container root filesystems into PCIe "
                        + "root ports, which machine_type \"\(q.machineType)\" lacks; use \"q35\"")
            }
            return Sharing(
                shares: [], guestShare: nil, hotplugPorts: max(q.pcieRootPort, Self.minimumBlockRootPorts))
        default:
            throw KataError(
                .unsupported,
                "hypervisor.qemu.shared_fs = \"\(q.sharedFS)\": this runtime does not run virtiofsd (and "
                    + "Debian 12 ships none); set shared_fs = \"virtio-9p\", or \"none\" for a guest that "
                    + "pulls its images itself")
        }
    }

    /// `vsock` needs /dev/vhost-vsock; `virtio-serial` always works; `auto` takes vsock when the
    /// host has it.
    func agentChannel(_ request: LaunchRequest) throws -> AgentChannel {
        let serial = AgentChannel.virtioSerial(socketPath: request.paths.vmDirectory + "/agent.sock")
        switch configuration.hypervisor.agentTransport {
        case .virtioSerial:
            return serial
        case .vsock:
            guard host.supportsVSocks else {
                throw KataError(
                    .unsupported,
                    "hypervisor.qemu.agent_transport = \"vsock\": \(host.vhostVsock.path) does not exist "
                        + "(load vhost_vsock), so the guest cannot get a vsock; use \"virtio-serial\" or \"auto\""
                )
            }
            return .vsock(
                guestCID: Self.guestCID(sandboxID: request.sandboxID), port: AgentChannel.agentVsockPort)
        case .auto:
            guard host.supportsVSocks else { return serial }
            return .vsock(
                guestCID: Self.guestCID(sandboxID: request.sandboxID), port: AgentChannel.agentVsockPort)
        }
    }

    /// The guest's vsock context id, derived from the sandbox id so that the plan stays a pure
    /// function of its inputs: 3 + FNV-1a-64(id) mod (2^32 - 4), i.e. within 3...0xFFFFFFFE
    /// (0-2 are the hypervisor, local and host; 0xFFFFFFFF is VMADDR_CID_ANY). Known limit: two
    /// sandboxes can hash to the same CID (about n²/2^33 for n sandboxes); the second then fails
    /// at launch when vhost-vsock refuses the CID. Upstream instead probes for a free CID with
    /// VHOST_VSOCK_SET_GUEST_CID at launch, which a pure planner cannot do.
    public static func guestCID(sandboxID: String) -> UInt32 {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in sandboxID.utf8 {
            hash ^= UInt64(byte)
            hash &*= 0x0000_0100_0000_01b3
        }
        return UInt32(3 + hash % (0xFFFF_FFFF - 3))
    }
}
