/// Where host facts come from: files under a root directory and the CPUID instruction.
/// Tests replace both to build hosts this machine is not (SEV, TDX, no KVM).
public struct HostProbe: Sendable {
    public typealias CPUIDReader = @Sendable (_ leaf: UInt32, _ subleaf: UInt32) -> CPUIDRegisters?

    public var filesystem: HostFilesystem
    public var cpuid: CPUIDReader

    public init(
        filesystem: HostFilesystem, cpuid: @escaping CPUIDReader = { Host.cpuid(leaf: $0, subleaf: $1) }
    ) {
        self.filesystem = filesystem
        self.cpuid = cpuid
    }

    /// The real host: root "/" and this processor's CPUID.
    public static let live = HostProbe(filesystem: .live)
}
