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
    /// The pod's network namespace (the sandbox spec's `linux.namespaces` network path, where
    /// CNI made its interfaces); nil: the pod has no network of its own.
    public var networkNamespace: String?

    public init(
        sandboxID: String, paths: SandboxPaths, annotations: [String: String] = [:],
        shareReadOnly: Bool = false, networkNamespace: String? = nil
    ) {
        self.networkNamespace = networkNamespace
        self.sandboxID = sandboxID
        self.paths = paths
        self.annotations = annotations
        self.shareReadOnly = shareReadOnly
    }
}

/// The one place that decides what a sandbox VM will be: configuration + pod annotations + host
/// facts in, the VM description and its expected measurement out. Pure apart from reading the
/// asset files it checks (firmware, and the kernel when firmware boots it).
///
/// Every refusal is thrown from `plan` before anything starts:
/// - protection (`+Protection`): `confidential_guest` / `sev_snp_guest` / `guest_protection`
///   against what the host offers, never downgraded; a confidential guest needs KVM;
/// - confidential rules: no hotplug (the description has no maximum vCPUs, memory or slots at
///   all), static sizing, no debug console, checked firmware and a PE kernel (`+Assets`);
/// - sizing from the CRI sandbox annotations (`+Sizing`);
/// - the shared directory and the agent channel (`+Transport`);
/// - the pod's initdata, and its binding into the launch (`+Initdata`);
/// - the pod network's model (`+Network`).
public struct LaunchPlanner: Sendable {
    public var configuration: KataConfiguration
    public var host: HostFacts
    /// The configured QEMU as `QEMUBinary.probe` found it, when the caller probed it: a
    /// confidential guest whose object type it does not list is refused. nil: not checked.
    public var qemu: QEMUBinary?

    public init(configuration: KataConfiguration, host: HostFacts, qemu: QEMUBinary? = nil) {
        self.configuration = configuration
        self.host = host
        self.qemu = qemu
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
                .invalidConfig,
                "hypervisor.qemu.initrd: no initrd configured (rootfs images are not supported yet)")
        }
        let protection = try resolveProtection()
        let accelerator = try resolveAccelerator(for: protection)
        try checkHypervisorObject(for: protection)
        if protection.isConfidential { try checkConfidentialRules(protection) }
        let firmware = try checkedFirmware(for: protection)
        let sizing = try sizing(
            annotations: request.annotations,
            staticResources: configuration.runtime.staticSandboxResourceMgmt || protection.isConfidential)
        let sharing = try sharing(request)
        let cpu = try cpu(accelerator: accelerator, protection: protection)
        var confidential = try confidentialLaunch(protection)
        var initdata: PlannedInitdata?
        if let decoded = try self.initdata() {
            let (bound, binding) = try bind(decoded, into: confidential)
            confidential = bound
            initdata = PlannedInitdata(
                binding: binding, diskPath: request.paths.initdataImage, gzip: decoded.gzip)
        }
        var vm = VirtualMachineDescription(
            sandboxID: request.sandboxID, runDirectory: request.paths.vmDirectory, hypervisorPath: q.path,
            machineType: q.machineType, accelerator: accelerator, cpuModel: cpu.model,
            cpuFeatures: cpu.features,
            vcpus: sizing.vcpus, memoryMiB: sizing.memoryMiB, kernel: q.kernel, initrd: q.initrd,
            kernelCommandLine: Self.kernelCommandLine(q.kernelParams), firmware: firmware,
            shares: sharing.shares, agentChannel: try agentChannel(request),
            entropySource: q.entropySource.isEmpty ? nil : q.entropySource,
            seccompSandbox: q.seccompSandbox.isEmpty ? nil : q.seccompSandbox,
            confidential: confidential,
            readOnlyDisks: initdata.map { [ReadOnlyDisk(id: Self.initdataDiskID, path: $0.diskPath)] } ?? [])
        vm.hotplugPorts = sharing.hotplugPorts
        // Measured from the very description the backend will launch.
        var measurement = try ExpectedMeasurement.compute(
            for: vm, hostCPUSignature: host.cpuSignature, qemuVersion: qemu?.version,
            tdxFirmwareRelease: q.tdx.firmwareEDK2Release)
        measurement?.initdata = initdata?.binding
        return LaunchPlan(
            vm: vm, guestShare: sharing.guestShare, measurement: measurement, initdata: initdata,
            pod: PodIdentity(annotations: request.annotations), network: try network(request))
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
