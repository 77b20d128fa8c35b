extension HostProbe {
    /// CPUID(1).EAX: family, model and stepping of this processor, which a guest with the `host`
    /// CPU model reports and SEV-ES/SNP measure in every VMSA. Nil when CPUID cannot be read.
    public var cpuSignature: UInt64? {
        cpuid(1, 0).map { UInt64($0.eax) }
    }
}
