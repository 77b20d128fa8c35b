import KataCore

/// AMD memory-encryption parameters from CPUID 0x8000001F, needed on the QEMU `sev-guest` and
/// `sev-snp-guest` objects (`cbitpos`, `reduced-phys-bits`).
public struct MemoryEncryptionInfo: Sendable, Equatable, Codable {
    /// EAX bits: 0 SME, 1 SEV, 3 SEV-ES, 4 SEV-SNP.
    public var supportsSME: Bool
    public var supportsSEV: Bool
    public var supportsSEVES: Bool
    public var supportsSNP: Bool
    /// EBX[5:0]: the page-table bit that marks a page encrypted.
    public var cBitPosition: Int
    /// EBX[11:6]: how many physical address bits encryption takes away.
    public var reducedPhysBits: Int

    public init(leaf8000001F r: CPUIDRegisters) {
        supportsSME = r.eax & 1 != 0
        supportsSEV = r.eax & (1 << 1) != 0
        supportsSEVES = r.eax & (1 << 3) != 0
        supportsSNP = r.eax & (1 << 4) != 0
        cBitPosition = Int(r.ebx & 0x3f)
        reducedPhysBits = Int((r.ebx >> 6) & 0x3f)
    }

    /// Reads CPUID 0x8000001F on this host. Throws `.unsupported` when the processor does not
    /// report the leaf (not AMD, or too old), saying so.
    public static func current() throws -> MemoryEncryptionInfo {
        guard let maxExtended = cpuid(leaf: 0x8000_0000)?.eax else {
            throw KataError(.unsupported, "CPUID is not available on this architecture")
        }
        guard maxExtended >= 0x8000_001F, let leaf = cpuid(leaf: 0x8000_001F) else {
            throw KataError(
                .unsupported,
                "host CPUID has no leaf 0x8000001F (highest extended leaf 0x\(String(maxExtended, radix: 16))): "
                    + "no AMD memory encryption, so cbitpos and reduced-phys-bits are unknown")
        }
        let info = MemoryEncryptionInfo(leaf8000001F: leaf)
        guard info.cBitPosition != 0 else {
            throw KataError(
                .unsupported,
                "host CPUID 0x8000001F reports C-bit position 0: memory encryption is not enabled")
        }
        return info
    }
}
