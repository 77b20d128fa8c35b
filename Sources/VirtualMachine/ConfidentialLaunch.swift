import KataCore

/// How a confidential guest is launched: the technology and every launch parameter that a
/// verifier later sees (policies, identities, host data). The backend only renders this.
public enum ConfidentialLaunch: Sendable, Equatable, Codable {
    /// SEV or SEV-ES (SEV-ES is policy bit 0x4), direct boot with kernel hashes.
    case sev(SEVLaunchOptions)
    case snp(SNPLaunchOptions)
    case tdx(TDXLaunchOptions)

    public var protection: GuestProtection {
        switch self {
        case .sev(let options): options.encryptedState ? .sevES : .sev
        case .snp: .snp
        case .tdx: .tdx
        }
    }
}

/// AMD's C-bit position and the physical address bits memory encryption takes away (CPUID
/// 0x8000001F EBX), as the host reports them; the planner reads them, the backend renders them.
public struct EncryptionBits: Sendable, Equatable, Codable {
    public var cBitPosition: Int
    public var reducedPhysBits: Int

    public init(cBitPosition: Int, reducedPhysBits: Int) {
        self.cBitPosition = cBitPosition
        self.reducedPhysBits = reducedPhysBits
    }
}

/// `sev-guest`: the SEV API guest policy and the host's encryption bits.
public struct SEVLaunchOptions: Sendable, Equatable, Codable {
    /// SEV API policy: NODBG = 0x1, NOKS = 0x2, ES = 0x4, ...
    public var policy: UInt32
    public var bits: EncryptionBits
    /// The firmware measures the kernel, initrd and command line hashes (direct boot).
    public var kernelHashes: Bool

    public init(policy: UInt32, bits: EncryptionBits, kernelHashes: Bool = true) {
        self.policy = policy
        self.bits = bits
        self.kernelHashes = kernelHashes
    }

    /// Policy bit 2: the guest's register state is encrypted too (SEV-ES).
    public var encryptedState: Bool { policy & 0x4 != 0 }
}

/// `sev-snp-guest`: SNP_LAUNCH_START policy, the optional ID block and its authentication
/// structure (base64, as their producer wrote them) and 32 bytes of host data.
public struct SNPLaunchOptions: Sendable, Equatable, Codable {
    /// The vCPU model an SNP guest runs with: its CPUID signature is part of the measurement.
    public static let vcpuModel = "EPYC-v4"
    public static let defaultPolicy: UInt64 = 0x30000

    public var policy: UInt64
    public var bits: EncryptionBits
    public var kernelHashes: Bool
    public var idBlock: String?
    public var idAuth: String?
    /// Exactly 32 bytes when set (e.g. an initdata digest), bound into the attestation report.
    public var hostData: [UInt8]?

    public init(
        policy: UInt64 = defaultPolicy, bits: EncryptionBits, kernelHashes: Bool = true,
        idBlock: String? = nil, idAuth: String? = nil, hostData: [UInt8]? = nil
    ) {
        self.policy = policy
        self.bits = bits
        self.kernelHashes = kernelHashes
        self.idBlock = idBlock
        self.idAuth = idAuth
        self.hostData = hostData
    }
}

/// `tdx-guest`: the TD's configurable identities and where QEMU asks for quotes.
public struct TDXLaunchOptions: Sendable, Equatable, Codable {
    public enum QuoteGenerationService: Sendable, Equatable, Codable {
        case vsock(cid: UInt32, port: UInt32)
        case unix(path: String)
    }

    /// 48 bytes each when set.
    public var mrConfigID: [UInt8]?
    public var mrOwner: [UInt8]?
    public var mrOwnerConfig: [UInt8]?
    public var quoteGenerationService: QuoteGenerationService?

    public init(
        mrConfigID: [UInt8]? = nil, mrOwner: [UInt8]? = nil, mrOwnerConfig: [UInt8]? = nil,
        quoteGenerationService: QuoteGenerationService? = nil
    ) {
        self.mrConfigID = mrConfigID
        self.mrOwner = mrOwner
        self.mrOwnerConfig = mrOwnerConfig
        self.quoteGenerationService = quoteGenerationService
    }
}
