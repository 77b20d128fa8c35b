/// The CPUID Fn0000_0001 EAX signature a guest vCPU reports; SEV-ES and SNP put it in RDX of the
/// initial VMSA, so it is part of the launch measurement.
public enum CPUSignature {
    /// Builds the signature from family, model and stepping (AMD CPUID specification #25481).
    /// Wrapping arithmetic keeps the low 64 bits Python's unbounded integers would produce.
    public static func from(family: Int, model: Int, stepping: Int) -> UInt64 {
        let familyLow: Int
        let familyHigh: Int
        if family > 0xf {
            familyLow = 0xf
            familyHigh = (family &- 0xf) & 0xff
        } else {
            familyLow = family
            familyHigh = 0
        }
        let value =
            (familyHigh << 20) | (((model >> 4) & 0xf) << 16) | (familyLow << 8) | ((model & 0xf) << 4)
            | (stepping & 0xf)
        return UInt64(bitPattern: Int64(value))
    }

    /// Signatures of the EPYC CPU models QEMU knows, by the name given to `-cpu`.
    public static let byTypeName: KeyValuePairs<String, UInt64> = [
        "EPYC": from(family: 23, model: 1, stepping: 2),
        "EPYC-v1": from(family: 23, model: 1, stepping: 2),
        "EPYC-v2": from(family: 23, model: 1, stepping: 2),
        "EPYC-IBPB": from(family: 23, model: 1, stepping: 2),
        "EPYC-v3": from(family: 23, model: 1, stepping: 2),
        "EPYC-v4": from(family: 23, model: 1, stepping: 2),
        "EPYC-Rome": from(family: 23, model: 49, stepping: 0),
        "EPYC-Rome-v1": from(family: 23, model: 49, stepping: 0),
        "EPYC-Rome-v2": from(family: 23, model: 49, stepping: 0),
        "EPYC-Rome-v3": from(family: 23, model: 49, stepping: 0),
        "EPYC-Milan": from(family: 25, model: 1, stepping: 1),
        "EPYC-Milan-v1": from(family: 25, model: 1, stepping: 1),
        "EPYC-Milan-v2": from(family: 25, model: 1, stepping: 1),
        "EPYC-Genoa": from(family: 25, model: 17, stepping: 0),
        "EPYC-Genoa-v1": from(family: 25, model: 17, stepping: 0),
        "EPYC-Turin": from(family: 26, model: 0, stepping: 0),
    ]

    /// The signature of a CPU type name, or `nil` for a name not in the list.
    public static func forType(_ name: String) -> UInt64? {
        byTypeName.first { $0.key == name }?.value
    }
}
