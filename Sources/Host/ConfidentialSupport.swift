import KataCore

/// Host support for SEV, SEV-ES, SEV-SNP and TDX, from kvm module parameters, /dev/sev and
/// CPUID 0x8000001F. Each technology needs all of its pieces; the reason lists what is missing.
public struct ConfidentialSupport: Sendable, Equatable, Codable {
    public var sev: ProtectionSupport
    public var sevES: ProtectionSupport
    public var snp: ProtectionSupport
    public var tdx: ProtectionSupport
    /// CPUID 0x8000001F, when the processor reports it with a non-zero C-bit position.
    public var memoryEncryption: MemoryEncryptionInfo?
    public var sevDevicePresent: Bool

    public var all: [ProtectionSupport] { [sev, sevES, snp, tdx] }

    /// "none" (a plain VM) first, then every confidential kind this host can launch.
    public var availableGuestProtections: [GuestProtection] {
        [.none] + all.filter(\.available).map(\.protection)
    }

    public static func probe(_ probe: HostProbe) -> ConfidentialSupport {
        let modules = KernelModules(filesystem: probe.filesystem)
        let encryption = memoryEncryption(probe)
        let sevDevice = probe.filesystem.kind("/dev/sev") == .characterDevice
        func amd(
            _ protection: GuestProtection, parameter: String, cpuBit: KeyPath<MemoryEncryptionInfo, Bool>,
            cpuName: String
        ) -> ProtectionSupport {
            var found: [String] = []
            var missing: [String] = []
            switch modules.parameter("kvm_amd", parameter) {
            case let value? where modules.flag("kvm_amd", parameter) == true:
                found.append("kvm_amd \(parameter)=\(value)")
            case let value?: missing.append("kvm_amd parameter \(parameter) is \(value)")
            case nil:
                missing.append(
                    "no /sys/module/kvm_amd/parameters/\(parameter) (kvm_amd not loaded or too old)")
            }
            if sevDevice { found.append("/dev/sev") } else { missing.append("no /dev/sev character device") }
            if let info = encryption, info[keyPath: cpuBit] {
                found.append("CPUID 0x8000001F \(cpuName), C-bit \(info.cBitPosition)")
            } else {
                missing.append("CPUID 0x8000001F does not report \(cpuName)")
            }
            return ProtectionSupport(
                protection: protection, available: missing.isEmpty,
                reason: missing.isEmpty ? found.joined(separator: ", ") : missing.joined(separator: "; "))
        }
        return ConfidentialSupport(
            sev: amd(.sev, parameter: "sev", cpuBit: \.supportsSEV, cpuName: "SEV"),
            sevES: amd(.sevES, parameter: "sev_es", cpuBit: \.supportsSEVES, cpuName: "SEV-ES"),
            snp: amd(.snp, parameter: "sev_snp", cpuBit: \.supportsSNP, cpuName: "SEV-SNP"),
            tdx: tdxSupport(modules),
            memoryEncryption: encryption, sevDevicePresent: sevDevice)
    }

    private static func tdxSupport(_ modules: KernelModules) -> ProtectionSupport {
        switch (modules.parameter("kvm_intel", "tdx"), modules.flag("kvm_intel", "tdx")) {
        case (let value?, true?):
            ProtectionSupport(protection: .tdx, available: true, reason: "kvm_intel tdx=\(value)")
        case (let value?, _):
            ProtectionSupport(
                protection: .tdx, available: false, reason: "kvm_intel parameter tdx is \(value)")
        case (nil, _):
            ProtectionSupport(
                protection: .tdx, available: false,
                reason: "no /sys/module/kvm_intel/parameters/tdx (kvm_intel not loaded or without TDX)")
        }
    }

    private static func memoryEncryption(_ probe: HostProbe) -> MemoryEncryptionInfo? {
        guard let maxExtended = probe.cpuid(0x8000_0000, 0)?.eax, maxExtended >= 0x8000_001F,
            let leaf = probe.cpuid(0x8000_001F, 0)
        else { return nil }
        let info = MemoryEncryptionInfo(leaf8000001F: leaf)
        return info.cBitPosition == 0 ? nil : info
    }
}
