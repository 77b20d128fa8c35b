import CKataSys

/// The four registers one CPUID leaf returns.
public struct CPUIDRegisters: Sendable, Equatable {
    public var eax: UInt32
    public var ebx: UInt32
    public var ecx: UInt32
    public var edx: UInt32

    public init(eax: UInt32, ebx: UInt32, ecx: UInt32, edx: UInt32) {
        self.eax = eax
        self.ebx = ebx
        self.ecx = ecx
        self.edx = edx
    }
}

/// Executes CPUID on this processor. Returns nil off x86.
public func cpuid(leaf: UInt32, subleaf: UInt32 = 0) -> CPUIDRegisters? {
    var regs = ckata_cpuid_regs()
    guard ckata_cpuid(leaf, subleaf, &regs) == 0 else { return nil }
    return CPUIDRegisters(eax: regs.eax, ebx: regs.ebx, ecx: regs.ecx, edx: regs.edx)
}
