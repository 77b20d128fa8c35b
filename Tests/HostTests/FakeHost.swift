import Foundation
import Host
import Testing

/// A temporary directory laid out like a host's /proc, /sys, /dev and /etc, removed on deinit.
final class FakeHost {
    let root: String
    /// CPUID leaves the fake processor reports; other leaves read as zero.
    var cpuidLeaves: [UInt32: CPUIDRegisters] = [
        0x8000_0000: CPUIDRegisters(eax: 0x8000_0008, ebx: 0, ecx: 0, edx: 0)
    ]

    init() throws {
        root = NSTemporaryDirectory() + "kata-fakehost-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func write(_ path: String, _ text: String, mode: Int = 0o644) throws {
        let full = root + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
        try FileManager.default.setAttributes([.posixPermissions: mode], ofItemAtPath: full)
    }

    func makeDirectory(_ path: String) throws {
        try FileManager.default.createDirectory(atPath: root + path, withIntermediateDirectories: true)
    }

    /// A character device with /dev/null's numbers (1, 3), standing in for /dev/kvm or /dev/sev.
    func makeCharacterDevice(_ path: String) throws {
        try makeDirectory((path as NSString).deletingLastPathComponent)
        try #require(mknod(root + path, S_IFCHR | 0o600, dev_t((1 << 8) | 3)) == 0, "mknod needs root")
    }

    func loadModule(_ name: String, parameters: [String: String] = [:]) throws {
        try makeDirectory("/sys/module/\(name)")
        for (key, value) in parameters { try write("/sys/module/\(name)/parameters/\(key)", value + "\n") }
    }

    /// Sets CPUID 0x8000001F: EAX feature bits, C-bit 51, one reduced physical address bit.
    func reportMemoryEncryption(sev: Bool, sevES: Bool, snp: Bool) {
        var eax: UInt32 = 1  // SME
        if sev { eax |= 1 << 1 }
        if sevES { eax |= 1 << 3 }
        if snp { eax |= 1 << 4 }
        cpuidLeaves[0x8000_0000] = CPUIDRegisters(eax: 0x8000_0021, ebx: 0, ecx: 0, edx: 0)
        cpuidLeaves[0x8000_001F] = CPUIDRegisters(eax: eax, ebx: 51 | (1 << 6), ecx: 0, edx: 0)
    }

    var probe: HostProbe {
        let leaves = cpuidLeaves
        return HostProbe(filesystem: HostFilesystem(root: root)) { leaf, _ in
            leaves[leaf] ?? CPUIDRegisters(eax: 0, ebx: 0, ecx: 0, edx: 0)
        }
    }

    static let amdCPUInfo = """
        processor\t: 0
        vendor_id\t: AuthenticAMD
        model name\t: AMD EPYC 9654 96-Core Processor
        flags\t\t: fpu lm svm sse4_1 sev sev_es

        processor\t: 1
        vendor_id\t: GenuineIntel
        flags\t\t: vmx

        """

    static let intelCPUInfo = """
        processor\t: 0
        vendor_id\t: GenuineIntel
        model name\t: Intel(R) Xeon(R) Platinum 8480+
        flags\t\t: fpu lm vmx sse4_1 tdx_host_platform

        """
}
