import KataCore

extension HostProbe {
    /// A host described rather than probed: files under `filesystem`'s root and the CPUID leaves
    /// given as `LEAF=EAX,EBX,ECX,EDX` in hex (`0x` optional), e.g. `0x8000001f=0x1,0,0,0`
    /// (`kata-runtime measure --host-cpuid`, and the tests' fake hosts). A leaf not given reads
    /// as all zeros, as a processor answers for a feature it lacks.
    public static func described(filesystem: HostFilesystem, cpuidLeaves: [String], option: String)
        throws -> HostProbe
    {
        var leaves: [UInt32: CPUIDRegisters] = [:]
        for item in cpuidLeaves {
            let parts = item.split(separator: "=", maxSplits: 1)
            let fields =
                parts.count == 2 ? parts[1].split(separator: ",", omittingEmptySubsequences: false) : []
            let registers = fields.compactMap(hexWord)
            guard parts.count == 2, let leaf = hexWord(parts[0]), fields.count == 4, registers.count == 4
            else {
                throw KataError(.invalidArgument, "\(option) \(item): expected LEAF=EAX,EBX,ECX,EDX in hex")
            }
            leaves[leaf] = CPUIDRegisters(
                eax: registers[0], ebx: registers[1], ecx: registers[2], edx: registers[3])
        }
        let fixed = leaves
        return HostProbe(filesystem: filesystem) { leaf, _ in
            fixed[leaf] ?? CPUIDRegisters(eax: 0, ebx: 0, ecx: 0, edx: 0)
        }
    }

    private static func hexWord(_ text: Substring) -> UInt32? {
        let digits = text.hasPrefix("0x") || text.hasPrefix("0X") ? text.dropFirst(2) : text
        return digits.isEmpty || digits.count > 8 ? nil : UInt32(digits, radix: 16)
    }
}
