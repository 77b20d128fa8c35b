/// Everything `kata-runtime check` and `env` report about the host, gathered in one pass.
public struct HostFacts: Sendable, Equatable, Codable {
    /// A device node the runtime may need, and whether it is there.
    public struct Device: Sendable, Equatable, Codable {
        public var path: String
        public var kind: HostFilesystem.FileKind?
        public var present: Bool { kind == .characterDevice }
    }

    /// Kernel modules upstream's check looks for, with whether each is loaded.
    public struct Module: Sendable, Equatable, Codable {
        public var name: String
        public var meaning: String
        public var required: Bool
        public var loaded: Bool
    }

    public var cpu: CPUInfo
    /// False when /proc/cpuinfo could not be read (cpu is then empty).
    public var cpuInfoReadable: Bool
    public var kvm: KVMStatus
    public var vhostNet: Device
    public var vhostVsock: Device
    public var modules: [Module]
    public var confidential: ConfidentialSupport
    public var capabilities: ProcessCapabilities
    public var seccomp: SeccompSupport
    public var operatingSystem: OperatingSystem
    public var memory: MemoryInfo
    /// CPUID(1).EAX, which a `host`-model SEV-ES/SNP guest measures in its VMSAs; nil off x86.
    public var cpuSignature: UInt64?

    /// Reads every fact from `probe` (the real host by default). Never throws: what cannot be
    /// read is reported as absent, and the checks say so.
    public static func gather(_ probe: HostProbe = .live) -> HostFacts {
        let fs = probe.filesystem
        let cpuText = fs.readText("/proc/cpuinfo")
        let cpu = CPUInfo(parsing: cpuText ?? "")
        let loaded = KernelModules(filesystem: fs)
        let modules = requiredModules(for: cpu.vendor).map { module in
            Module(
                name: module.name, meaning: module.meaning, required: module.required,
                loaded: loaded.isLoaded(module.name))
        }
        return HostFacts(
            cpu: cpu, cpuInfoReadable: cpuText != nil, kvm: KVMStatus.probe(probe, cpu: cpu),
            vhostNet: Device(path: "/dev/vhost-net", kind: fs.kind("/dev/vhost-net")),
            vhostVsock: Device(path: "/dev/vhost-vsock", kind: fs.kind("/dev/vhost-vsock")),
            modules: modules, confidential: ConfidentialSupport.probe(probe),
            capabilities: ProcessCapabilities.current(), seccomp: SeccompSupport.probe(probe),
            operatingSystem: OperatingSystem.probe(probe),
            memory: MemoryInfo(parsing: fs.readText("/proc/meminfo") ?? ""), cpuSignature: probe.cpuSignature)
    }

    /// The modules upstream `kata-runtime check` (amd64, QEMU) looks for.
    static func requiredModules(for vendor: CPUInfo.Vendor) -> [(
        name: String, meaning: String, required: Bool
    )] {
        var modules = [(name: "kvm", meaning: "Kernel-based Virtual Machine", required: true)]
        switch vendor {
        case .amd: modules.append(("kvm_amd", "AMD KVM", true))
        case .intel: modules.append(("kvm_intel", "Intel KVM", true))
        case .other: break
        }
        modules += [
            ("vhost", "host kernel accelerator for virtio", true),
            ("vhost_net", "host kernel accelerator for virtio network", true),
            ("vhost_vsock", "host support for Linux VM sockets", false),
        ]
        return modules
    }

    /// True when /dev/vhost-vsock exists, i.e. the host can offer vsock to a guest.
    public var supportsVSocks: Bool { vhostVsock.present }
}
