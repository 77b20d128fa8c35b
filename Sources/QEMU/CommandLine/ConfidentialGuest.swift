import Host
import KataCore

/// AMD C-bit position and reduced physical-address bits for SEV/SNP objects: the caller's
/// values, or the host's CPUID 0x8000001F (throwing `.unsupported`, saying so, when it has none).
public struct EncryptionBits: Sendable, Equatable {
    public var cBitPosition: Int
    public var reducedPhysBits: Int

    public init(cBitPosition: Int, reducedPhysBits: Int) {
        self.cBitPosition = cBitPosition
        self.reducedPhysBits = reducedPhysBits
    }

    public static func host() throws -> EncryptionBits {
        let info = try MemoryEncryptionInfo.current()
        return EncryptionBits(cBitPosition: info.cBitPosition, reducedPhysBits: info.reducedPhysBits)
    }
}

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

    /// `bits` nil: the host's CPUID values (throws `.unsupported` where the host has none).
    public init(
        id: String = "sev", bits: EncryptionBits? = nil, policy: UInt32, kernelHashes: Bool = true,
        dhCertFile: String? = nil, sessionFile: String? = nil
    ) throws {
        self.id = id
        self.bits = try bits ?? .host()
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
    public static let defaultPolicy: UInt64 = 0x30000

    public var id: String
    public var bits: EncryptionBits
    public var kernelHashes: Bool
    public var policy: UInt64
    /// 32 bytes the guest owner binds into the attestation report (e.g. an initdata digest).
    public private(set) var hostData: [UInt8]?
    /// Base64 ID block and ID authentication structure (already encoded by their producer).
    public var idBlock: String?
    public var idAuth: String?

    /// `bits` nil: the host's CPUID values (throws `.unsupported` where the host has none).
    public init(
        id: String = "snp", bits: EncryptionBits? = nil, kernelHashes: Bool = true,
        policy: UInt64 = defaultPolicy,
        hostData: [UInt8]? = nil, idBlock: String? = nil, idAuth: String? = nil
    ) throws {
        if let hostData, hostData.count != 32 {
            throw KataError(
                .invalidArgument, "sev-snp-guest host-data must be 32 bytes, got \(hostData.count)")
        }
        self.id = id
        self.bits = try bits ?? .host()
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
    public var quoteGenerationSocket: QuoteGenerationSocket?

    public init(
        id: String = "tdx", mrConfigID: [UInt8]? = nil, quoteGenerationSocket: QuoteGenerationSocket? = nil
    )
        throws
    {
        if let mrConfigID, mrConfigID.count != 48 {
            throw KataError(
                .invalidArgument, "tdx-guest mrconfigid must be 48 bytes, got \(mrConfigID.count)")
        }
        self.id = id
        self.mrConfigID = mrConfigID
        self.quoteGenerationSocket = quoteGenerationSocket
    }

    public var qemuArguments: [String] {
        var object: JSONObject = ["qom-type": "tdx-guest", "id": .string(id)]
        if let mrConfigID { object["mrconfigid"] = .string(Base64.encode(mrConfigID)) }
        if let quoteGenerationSocket { object["quote-generation-socket"] = quoteGenerationSocket.json }
        return ["-object", JSONValue.object(object).jsonText]
    }
}
