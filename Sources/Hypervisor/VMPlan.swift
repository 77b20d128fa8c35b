import KataConfig
import KataCore

/// Everything needed to start one sandbox VM, resolved from the configuration and the pod's
/// annotations. The QEMU launcher turns it into a command line; nothing here is QEMU syntax.
public struct VMPlan: Sendable, Equatable {
    public var sandboxID: String
    /// Where the VM's sockets, pid file and console log live; created at launch, removed at stop.
    public var runDirectory: String
    public var qemuPath: String
    public var machineType: String
    public var accelerator: AcceleratorSetting
    public var vcpus: Int
    public var memoryMiB: Int
    public var kernel: String
    public var initrd: String
    public var kernelParameters: String
    public var firmware: String
    public var protection: GuestProtectionSetting
    public var sevPolicy: UInt32
    public var snpPolicy: UInt64
    public var tdx: TDXOptions
    /// The host directory shared into the guest (virtio-9p) and the tag the guest mounts it by.
    public var sharedDirectory: String
    public var shareTag: String
    /// QEMU serves the share read-only: set when the guest only reads it (every container's
    /// root filesystem is read-only), so a guest cannot write to the host even through 9p.
    public var shareReadOnly: Bool
    public var entropySource: String
    /// QEMU's `-sandbox` option list (upstream's `seccompsandbox`); empty: no seccomp filter.
    public var seccompSandbox: String

    /// The guest name of the virtio-serial port the agent serves on.
    public static let agentPortName = "agent.channel.0"

    public init(
        sandboxID: String, runDirectory: String, sharedDirectory: String, configuration q: QEMUConfig,
        shareTag: String = "kataShared", shareReadOnly: Bool = false
    ) throws {
        guard !q.kernel.isEmpty else {
            throw KataError(.invalidConfig, "hypervisor.qemu.kernel: no guest kernel configured")
        }
        guard !q.initrd.isEmpty else {
            throw KataError(
                .invalidConfig,
                "hypervisor.qemu.initrd: no initrd configured (rootfs images are not supported yet)")
        }
        self.sandboxID = sandboxID
        self.runDirectory = runDirectory
        self.qemuPath = q.path
        self.machineType = q.machineType
        self.accelerator = q.accelerator
        self.vcpus = max(1, q.defaultVCPUs)
        self.memoryMiB = max(64, q.defaultMemory)
        self.kernel = q.kernel
        self.initrd = q.initrd
        self.kernelParameters = q.kernelParams
        self.firmware = q.firmware
        self.protection = q.requestedProtection
        self.sevPolicy = q.sevPolicy ?? QEMUConfig.defaultSEVPolicy(for: q.requestedProtection)
        self.snpPolicy = q.snpPolicy
        self.tdx = q.tdx
        self.sharedDirectory = sharedDirectory
        self.shareTag = shareTag
        self.shareReadOnly = shareReadOnly
        self.entropySource = q.entropySource
        self.seccompSandbox = q.seccompSandbox
    }

    /// The guest kernel command line: our console and panic settings and what shortens boot
    /// in a VM without legacy devices (no PS/2 probing, no crypto self-tests, one PCI bus,
    /// a trusted TSC), then the configured parameters.
    public var kernelCommandLine: String {
        let base =
            "console=ttyS0 panic=1 quiet tsc=reliable no_timer_check rcupdate.rcu_expedited=1 "
            + "i8042.direct=1 i8042.dumbkbd=1 i8042.nopnp=1 i8042.noaux=1 cryptomgr.notests pci=lastbus=0"
        return kernelParameters.isEmpty ? base : "\(base) \(kernelParameters)"
    }
}
