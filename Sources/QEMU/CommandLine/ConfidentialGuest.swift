import Host
import KataCore
import VirtualMachine

/// `-object sev-guest,...` (SEV and SEV-ES; SEV-ES is policy bit 2).
public struct SEVGuest: QEMUArgumentConvertible, Equatable {
    public var id: String
    public var bits: EncryptionBits
    public var policy: UInt32
    /// Adds the kernel, initrd and command line hashes to the launch measurement.
    public var kernelHashes: Bool
    /// Guest owner's Diffie-Hellman certificate and launch session blob (pre-attestation).
    public var dhCertFile: String?
    public var sessionFile: String?

    /// `bits` are the host's (CPUID 0x8000001F), as the launch planner read them.
    public init(
        id: String = "sev", bits: EncryptionBits, policy: UInt32, kernelHashes: Bool = true,
        dhCertFile: String? = nil, sessionFile: String? = nil
    ) {
        self.id = id
        self.bits = bits
        self.policy = policy
        self.kernelHashes = kernelHashes
        self.dhCertFile = dhCertFile
        self.sessionFile = sessionFile
    }

    public var qemuArguments: [String] {
        var options = OptionString("sev-guest")
        options.add("id", id)
        options.add("cbitpos", bits.cBitPosition)
        options.add("reduced-phys-bits", bits.reducedPhysBits)
        options.add("policy", "0x" + String(policy, radix: 16))
        options.add("kernel-hashes", kernelHashes)
        options.add("dh-cert-file", dhCertFile)
        options.add("session-file", sessionFile)
        return ["-object", options.rendered]
    }

    /// KVM pins SEV guest memory (KVM_MEMORY_ENCRYPT_REG_REGION) against RLIMIT_MEMLOCK unless
    /// QEMU holds CAP_IPC_LOCK.
    public var hostCapabilities: CapabilitySet { .memoryLock }
}

/// `-object sev-snp-guest,...` (QEMU 8.2+ with SNP support).
public struct SNPGuest: QEMUArgumentConvertible, Equatable {
    public static let defaultPolicy: UInt64 = SNPLaunchOptions.defaultPolicy

    public var id: String
    public var bits: EncryptionBits
    public var kernelHashes: Bool
    public var policy: UInt64
    /// 32 bytes the guest owner binds into the attestation report (e.g. an initdata digest).
    public private(set) var hostData: [UInt8]?
    /// Base64 ID block and ID authentication structure (already encoded by their producer).
    public var idBlock: String?
    public var idAuth: String?

    /// `bits` are the host's (CPUID 0x8000001F), as the launch planner read them.
    public init(
        id: String = "snp", bits: EncryptionBits, kernelHashes: Bool = true,
        policy: UInt64 = defaultPolicy,
        hostData: [UInt8]? = nil, idBlock: String? = nil, idAuth: String? = nil
    ) throws {
        if let hostData, hostData.count != 32 {
            throw KataError(
                .invalidArgument, "sev-snp-guest host-data must be 32 bytes, got \(hostData.count)")
        }
        self.id = id
        self.bits = bits
        self.kernelHashes = kernelHashes
        self.policy = policy
        self.hostData = hostData
        self.idBlock = idBlock
        self.idAuth = idAuth
    }

    public var qemuArguments: [String] {
        var options = OptionString("sev-snp-guest")
        options.add("id", id)
        options.add("cbitpos", bits.cBitPosition)
        options.add("reduced-phys-bits", bits.reducedPhysBits)
        options.add("kernel-hashes", kernelHashes)
        options.add("policy", "0x" + String(policy, radix: 16))
        options.add("host-data", hostData.map(Base64.encode))
        options.add("id-block", idBlock)
        options.add("id-auth", idAuth)
        return ["-object", options.rendered]
    }

    /// SNP guest memory is pinned like SEV's.
    public var hostCapabilities: CapabilitySet { .memoryLock }
}

/// `-object {"qom-type":"tdx-guest",...}`: TDX takes the JSON form because the quote
/// generation socket is a nested SocketAddress.
public struct TDXGuest: QEMUArgumentConvertible, Equatable {
    public enum QuoteGenerationSocket: Sendable, Equatable {
        case vsock(cid: UInt32, port: UInt32)
        case unix(path: String)

        var json: JSONValue {
            switch self {
            // QAPI's VsockSocketAddress carries cid and port as strings.
            case .vsock(let cid, let port):
                .object(["type": "vsock", "cid": .string("\(cid)"), "port": .string("\(port)")])
            case .unix(let path): .object(["type": "unix", "path": .string(path)])
            }
        }
    }

    public var id: String
    /// 48 bytes placed in the TD's MRCONFIGID (e.g. an initdata digest).
    public private(set) var mrConfigID: [UInt8]?
    /// 48 bytes each: the TD owner's identity and its configuration (MROWNER, MROWNERCONFIG).
    public private(set) var mrOwner: [UInt8]?
    public private(set) var mrOwnerConfig: [UInt8]?
    public var quoteGenerationSocket: QuoteGenerationSocket?

    public init(
        id: String = "tdx", mrConfigID: [UInt8]? = nil, mrOwner: [UInt8]? = nil,
        mrOwnerConfig: [UInt8]? = nil,
        quoteGenerationSocket: QuoteGenerationSocket? = nil
    ) throws {
        for (name, value) in [
            ("mrconfigid", mrConfigID), ("mrowner", mrOwner), ("mrownerconfig", mrOwnerConfig),
        ] {
            if let value, value.count != 48 {
                throw KataError(.invalidArgument, "tdx-guest \(name) must be 48 bytes, got \(value.count)")
            }
        }
        self.id = id
        self.mrConfigID = mrConfigID
        self.mrOwner = mrOwner
        self.mrOwnerConfig = mrOwnerConfig
        self.quoteGenerationSocket = quoteGenerationSocket
    }

    public var qemuArguments: [String] {
        var object: JSONObject = ["qom-type": "tdx-guest", "id": .string(id)]
        if let mrConfigID { object["mrconfigid"] = .string(Base64.encode(mrConfigID)) }
        if let mrOwner { object["mrowner"] = .string(Base64.encode(mrOwner)) }
        if let mrOwnerConfig { object["mrownerconfig"] = .string(Base64.encode(mrOwnerConfig)) }
        if let quoteGenerationSocket { object["quote-generation-socket"] = quoteGenerationSocket.json }
        return ["-object", JSONValue.object(object).jsonText]
    }
}
