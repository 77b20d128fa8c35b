import Host
import KataConfig
import KataCore
import VirtualMachine

/// What one sandbox launch is planned from, besides the configuration and the host.
public struct LaunchRequest: Sendable {
    public var sandboxID: String
    public var paths: SandboxPaths
    /// The pod's annotations (CRI sizing: `io.kubernetes.cri.sandbox-*`).
    public var annotations: [String: String]
    /// The guest only reads the share: the backend serves it read-only.
    public var shareReadOnly: Bool

    public init(sandboxID: String, paths: SandboxPaths, annotations: [String: String] = [:], shareReadOnly: Bool = false)
    {
        self.sandboxID = sandboxID
        self.paths = paths
        self.annotations = annotations
        self.shareReadOnly = shareReadOnly
    }
}

/// The one place that decides what a sandbox VM will be: configuration + pod annotations + host
/// facts in, the VM description and its expected measurement out. Pure apart from reading the
/// asset files it checks and measures.
public struct LaunchPlanner: Sendable {
    public var configuration: KataConfiguration
    public var host: HostFacts

    public init(configuration: KataConfiguration, host: HostFacts) {
        self.configuration = configuration
        self.host = host
    }

    /// The share's tag, as upstream names it.
    public static let shareTag = "kataShared"

    public func plan(_ request: LaunchRequest) throws -> LaunchPlan {
        let q = configuration.hypervisor
        guard !q.kernel.isEmpty else {
            throw KataError(.invalidConfig, "hypervisor.qemu.kernel: no guest kernel configured")
        }
        guard !q.initrd.isEmpty else {
            throw KataError(
                .invalidConfig, "hypervisor.qemu.initrd: no initrd configured (rootfs images are not supported yet)")
        }
        let accelerator = q.accelerator.fixed ?? (host.kvm.usability == .usable ? .kvm : .tcg)
        let vm = VirtualMachineDescription(
            sandboxID: request.sandboxID, runDirectory: request.paths.vmDirectory, hypervisorPath: q.path,
            machineType: q.machineType, accelerator: accelerator,
            // Under TCG the default qemu64 model has no RDRAND: the guest then waits seconds for
            // entropy at boot. `max` emulates everything TCG can.
            cpuModel: accelerator == .kvm ? "host" : "max", vcpus: max(1, q.defaultVCPUs),
            memoryMiB: max(64, q.defaultMemory), kernel: q.kernel, initrd: q.initrd,
            kernelCommandLine: Self.kernelCommandLine(q.kernelParams),
            firmware: q.firmware.isEmpty ? nil : q.firmware,
            shares: [
                SharedDirectory(
                    hostPath: request.paths.sharedDirectory, tag: Self.shareTag, readOnly: request.shareReadOnly)
            ],
            agentChannel: .virtioSerial(socketPath: request.paths.vmDirectory + "/agent.sock"),
            entropySource: q.entropySource.isEmpty ? nil : q.entropySource,
            seccompSandbox: q.seccompSandbox.isEmpty ? nil : q.seccompSandbox)
        return LaunchPlan(
            vm: vm, guestShare: GuestShare(tag: Self.shareTag, msize: UInt32(clamping: q.msize9p)), measurement: nil)
    }

    /// The guest kernel command line: our console and panic settings and what shortens boot
    /// in a VM without legacy devices (no PS/2 probing, no crypto self-tests, one PCI bus,
    /// a trusted TSC), then the configured parameters.
    public static func kernelCommandLine(_ configured: String) -> String {
        let base =
            "console=ttyS0 panic=1 quiet tsc=reliable no_timer_check rcupdate.rcu_expedited=1 "
            + "i8042.direct=1 i8042.dumbkbd=1 i8042.nopnp=1 i8042.noaux=1 cryptomgr.notests pci=lastbus=0"
        return configured.isEmpty ? base : "\(base) \(configured)"
    }
}
