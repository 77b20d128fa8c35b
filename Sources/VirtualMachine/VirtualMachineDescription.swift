import KataCore

/// Everything a backend needs to launch one sandbox VM, decided by the runtime's launch planner.
/// Hypervisor-neutral: no QEMU syntax, nothing left for the backend to look up on the host. What
/// the launch measurement covers (firmware, kernel, initrd, command line, vCPU count and model,
/// the confidential launch) is all here, so the planner measures exactly what is launched.
public struct VirtualMachineDescription: Sendable, Equatable, Codable {
    /// Names the VM for the host's tools (QEMU `-name sandbox-<id>`); the sandbox id.
    public var sandboxID: String
    /// Where the VM's sockets, pid file and console log live; created at launch, removed at stop.
    public var runDirectory: String
    /// The hypervisor executable.
    public var hypervisorPath: String
    public var machineType: String
    public var accelerator: Accelerator
    /// The guest CPU model (e.g. `max` under TCG, `host` under KVM, `EPYC-v4` for SNP) and its
    /// feature switches in the backend's own spelling (`pmu=off`, `-vmx-rdseed-exit`).
    public var cpuModel: String
    public var cpuFeatures: [String]
    public var vcpus: Int
    public var memoryMiB: Int
    public var kernel: String
    public var initrd: String?
    /// The final guest kernel command line (the runtime's parameters and the configured ones).
    public var kernelCommandLine: String
    /// UEFI firmware; nil boots the backend's built-in BIOS (plain guests only).
    public var firmware: String?
    public var shares: [SharedDirectory]
    public var agentChannel: AgentChannel
    /// Host entropy source behind a virtio-rng device; nil: no RNG device.
    public var entropySource: String?
    /// The hypervisor's own seccomp option list (QEMU `-sandbox`); nil: no filter.
    public var seccompSandbox: String?
    /// The confidential launch; nil for an ordinary VM.
    public var confidential: ConfidentialLaunch?
    /// Disk images the guest may read and never write (the initdata disk), attached at launch.
    public var readOnlyDisks: [ReadOnlyDisk]
    /// Empty PCIe root ports for block devices hot-plugged later (container root filesystems
    /// when no directory is shared); 0: none.
    public var hotplugPorts: Int = 0
    /// Network cards, each on a tap device the runtime opened in the pod's network namespace;
    /// empty: the VM has no network device at all.
    public var networkDevices: [NetworkDevice] = []

    public init(
        sandboxID: String, runDirectory: String, hypervisorPath: String, machineType: String = "q35",
        accelerator: Accelerator, cpuModel: String, cpuFeatures: [String] = [], vcpus: Int, memoryMiB: Int,
        kernel: String, initrd: String?, kernelCommandLine: String, firmware: String? = nil,
        shares: [SharedDirectory] = [], agentChannel: AgentChannel, entropySource: String? = nil,
        seccompSandbox: String? = nil, confidential: ConfidentialLaunch? = nil,
        readOnlyDisks: [ReadOnlyDisk] = []
    ) {
        self.readOnlyDisks = readOnlyDisks
        self.sandboxID = sandboxID
        self.runDirectory = runDirectory
        self.hypervisorPath = hypervisorPath
        self.machineType = machineType
        self.accelerator = accelerator
        self.cpuModel = cpuModel
        self.cpuFeatures = cpuFeatures
        self.vcpus = vcpus
        self.memoryMiB = memoryMiB
        self.kernel = kernel
        self.initrd = initrd
        self.kernelCommandLine = kernelCommandLine
        self.firmware = firmware
        self.shares = shares
        self.agentChannel = agentChannel
        self.entropySource = entropySource
        self.seccompSandbox = seccompSandbox
        self.confidential = confidential
    }

    /// The protection the launch gives (`none` without a confidential launch).
    public var protection: GuestProtection { confidential?.protection ?? .none }

    /// Where the serial console is written (inside the run directory).
    public var consoleLogPath: String { runDirectory + "/console.log" }
}

/// A host directory shared into the guest (virtio-9p today), by the tag the guest mounts it by.
public struct SharedDirectory: Sendable, Equatable, Codable {
    public var hostPath: String
    public var tag: String
    /// The backend serves it read-only: the guest cannot write to the host through it.
    public var readOnly: Bool

    public init(hostPath: String, tag: String, readOnly: Bool = false) {
        self.hostPath = hostPath
        self.tag = tag
        self.readOnly = readOnly
    }
}

/// A virtio-net card backed by an open tap descriptor of the runtime (the backend hands the
/// descriptor to the hypervisor process; it never opens a tap by name, so it needs no
/// CAP_NET_ADMIN and no access to the pod's network namespace).
public struct NetworkDevice: Sendable, Equatable, Codable {
    /// The device's id on the hypervisor, unique within the VM.
    public var id: String
    /// The guest NIC's MAC: the CNI interface's, so the pod keeps the address peers know.
    public var macAddress: String
    /// The runtime's tap descriptor (valid in this process while the VM is launched).
    public var tapDescriptor: Int32

    public init(id: String, macAddress: String, tapDescriptor: Int32) {
        self.id = id
        self.macAddress = macAddress
        self.tapDescriptor = tapDescriptor
    }
}

/// A raw disk image attached read-only (virtio-blk under QEMU).
public struct ReadOnlyDisk: Sendable, Equatable, Codable {
    /// The device's id on the hypervisor, unique within the VM.
    public var id: String
    public var path: String

    public init(id: String, path: String) {
        self.id = id
        self.path = path
    }
}

/// How the host reaches the guest agent.
public enum AgentChannel: Sendable, Equatable, Codable {
    /// A virtio-serial port (guest name `portName`) behind a unix socket the host connects to.
    case virtioSerial(socketPath: String)
    /// vhost-vsock: the guest gets context id `guestCID`; the agent listens on `port`.
    case vsock(guestCID: UInt32, port: UInt32)

    /// The guest name of the virtio-serial port the agent serves on.
    public static let portName = "agent.channel.0"
    /// The vsock port upstream's agent listens on.
    public static let agentVsockPort: UInt32 = 1024
}
