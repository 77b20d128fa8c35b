/// `[hypervisor.qemu]`: upstream Kata's option names, with upstream's defaults for absent keys,
/// plus this runtime's explicit accelerator, agent transport and confidential settings.
/// Paths are not checked for existence here; the launch path and `kata-runtime check` do that.
public struct QEMUConfig: Sendable, Equatable {
    // Assets
    public var path = "/usr/bin/qemu-system-x86_64"
    public var kernel = "/usr/share/kata-containers/vmlinux.container"
    public var image = ""
    public var initrd = ""
    public var firmware = ""
    public var firmwareVolume = ""
    public var pflashes: [String] = []
    public var rootfsType = "ext4"

    // Machine
    public var machineType = "q35"
    public var machineAccelerators = ""
    public var cpuFeatures = ""
    public var kernelParams = ""
    public var seccompSandbox = ""
    public var enableDebug = false

    // Sizing. Upstream semantics: default_vcpus < 0 means all host CPUs; default_maxvcpus = 0
    // and default_maxmemory = 0 mean "the host's amount".
    public var defaultVCPUs = 1
    public var defaultMaxVCPUs = 0
    public var defaultMemory = 2048
    public var defaultMaxMemory = 0
    public var memorySlots = 10
    public var defaultBridges = 1
    public var pcieRootPort = 0
    public var hotPlugVFIO = "no-port"
    public var coldPlugVFIO = "no-port"

    // Devices and sharing
    public var blockDeviceDriver = "virtio-scsi"
    public var blockDeviceAIO = "io_uring"
    public var disableBlockDeviceUse = false
    public var disableImageNvdimm = false
    public var enableIOThreads = false
    public var sharedFS = "virtio-fs"
    public var virtioFSDaemon = "/usr/libexec/virtiofsd"
    public var virtioFSCache = "never"
    public var virtioFSExtraArgs: [String] = []
    public var msize9p = 8192
    public var entropySource = "/dev/urandom"
    public var disableVhostNet = false
    public var useLegacySerial = false

    // Memory backing
    public var enableMemPrealloc = false
    public var enableHugepages = false
    public var fileMemBackend = ""

    // Security
    public var rootless = false
    public var disableSeccomp = false
    public var disableNestingChecks = false
    public var guestHookPath = ""
    public var confidentialGuest = false
    public var sevSNPGuest = false

    // What annotations may change (see AnnotationPolicy).
    public var enableAnnotations: [String] = []
    public var validHypervisorPaths: [String] = []
    public var validKernelPaths: [String] = []
    public var validImagePaths: [String] = []
    public var validInitrdPaths: [String] = []
    public var validFirmwarePaths: [String] = []
    public var validFirmwareVolumePaths: [String] = []
    public var validVirtioFSDaemonPaths: [String] = []
    public var validEntropySources: [String] = []
    public var validFileMemBackends: [String] = []

    // This runtime's additions.
    public var accelerator = AcceleratorSetting.auto
    public var agentTransport = AgentTransport.auto
    public var guestProtection = GuestProtectionSetting.auto
    /// SEV / SEV-ES guest policy; nil means `defaultSEVPolicy(for:)`.
    public var sevPolicy: UInt32?
    /// SEV-SNP guest policy (SNP_LAUNCH_START POLICY); QEMU's default keeps SMT allowed.
    public var snpPolicy: UInt64 = 0x30000
    /// `snp_id_block` / `snp_id_auth`: the SNP ID block (96 bytes) and its authentication
    /// structure (4096 bytes), base64 as their producer wrote them; nil: none.
    public var snpIDBlock: String?
    public var snpIDAuth: String?
    /// The last value each SNP policy key (`snp_guest_policy`, `snp_policy`) set, to refuse
    /// two spellings that disagree.
    var snpPolicyByKey: [String: UInt64] = [:]
    public var tdx = TDXOptions()
    /// The pod's initdata, as the `cc_init_data` annotation carried it (base64 of gzip of TOML;
    /// decoded and checked by the launch planner); empty: none. No configuration-file key, as
    /// upstream: initdata belongs to the pod.
    public var initdata = ""

    public init() {}
}

/// TDX launch options (`tdx_*` keys).
public struct TDXOptions: Sendable, Equatable {
    /// MRCONFIGID, MROWNER, MROWNERCONFIG: 48 bytes each, written as 96 hex digits.
    public var mrConfigID: [UInt8]?
    public var mrOwner: [UInt8]?
    public var mrOwnerConfig: [UInt8]?
    /// [this runtime] `tdx_quote_generation_socket`: an explicit unix socket of the quote
    /// generation service; when set it wins over the port.
    public var quoteGenerationSocket = ""
    /// Upstream `tdx_quote_generation_service_socket_port`: vsock to the host (CID 2) on this
    /// port; 0 means upstream's unix socket `defaultQuoteGenerationSocket`.
    public var quoteGenerationServicePort = 4050
    /// [this runtime] `tdx_firmware_edk2_release`: the edk2 release the TDVF was built from
    /// ("edk2-stable202511"); RTMR1/RTMR2 depend on it. "" means upstream Kata's.
    public var firmwareEDK2Release = ""

    /// Where upstream's QGS listens when the port is 0.
    public static let defaultQuoteGenerationSocket = "/var/run/tdx-qgs/qgs.socket"

    /// The quote generation service QEMU should reach, from the two keys.
    public var quoteGenerationEndpoint: QuoteGenerationEndpoint {
        if !quoteGenerationSocket.isEmpty { return .unix(path: quoteGenerationSocket) }
        if quoteGenerationServicePort == 0 { return .unix(path: Self.defaultQuoteGenerationSocket) }
        return .vsock(cid: 2, port: UInt32(clamping: quoteGenerationServicePort))
    }

    public init() {}
}

/// Where the TDX quote generation service listens (see `TDXOptions.quoteGenerationEndpoint`).
public enum QuoteGenerationEndpoint: Sendable, Equatable {
    case vsock(cid: UInt32, port: UInt32)
    case unix(path: String)
}

extension QEMUConfig {
    /// SEV policy bits (AMD SEV API): NODBG = 0x1, ES = 0x4.
    public static func defaultSEVPolicy(for protection: GuestProtectionSetting) -> UInt32 {
        protection == .sevES ? 0x5 : 0x1
    }

    /// The protection the launch path should aim for, folding upstream's `confidential_guest`
    /// into `auto`: `auto` without `confidential_guest` is no protection at all.
    public var requestedProtection: GuestProtectionSetting {
        guestProtection == .auto && !confidentialGuest ? .none : guestProtection
    }
}
