import Foundation
import Host
import KataCore

/// A fake host tree (for `measure --host-root`) offering one confidential technology, with the
/// CPUID leaves to pass as `--host-cpuid`, plus a synthetic firmware, a PE kernel and an initrd
/// in the same temporary directory. No SEV, SNP or TDX hardware exists here: this stands in
/// for it, as the tests using it say.
package final class ProofHost {
    package enum Technology: String, Sendable { case sev, sevES = "sev-es", snp, tdx }

    package let directory: String
    package var root: String { directory + "/host" }
    package let firmware: String
    package let kernel: String
    package let initrd: String
    /// CPUID(1).EAX the fake processor reports (an EPYC Genoa's).
    package static let hostSignature: UInt32 = 0x00a1_0f11
    package let cpuid: [String]

    package init(_ technology: Technology) throws {
        directory = NSTemporaryDirectory() + "kata-proof-\(UUID().uuidString)"
        firmware = directory + "/OVMF.fd"
        kernel = directory + "/vmlinuz-confidential.container"
        initrd = directory + "/kata-containers-initrd.img"
        let amd = technology != .tdx
        let leaf1 = "0x1=\(String(Self.hostSignature, radix: 16)),0,0,0"
        cpuid =
            amd
            ? [leaf1, "0x80000000=80000021,0,0,0", "0x8000001f=1b,\(String(51 | (1 << 6), radix: 16)),0,0"]
            : [leaf1, "0x80000000=80000008,0,0,0"]
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        let flags = amd ? "fpu lm svm sse4_1 sev sev_es sev_snp" : "fpu lm vmx sse4_1 tdx_host_platform"
        try write(
            "/proc/cpuinfo",
            "processor\t: 0\nvendor_id\t: \(amd ? "AuthenticAMD" : "GenuineIntel")\nmodel name\t: Fake\nflags\t\t: \(flags)\n\n"
        )
        try write("/etc/os-release", "NAME=Fake\nVERSION_ID=1\n")
        try write("/proc/meminfo", "MemTotal:       25165824 kB\nMemAvailable:   20000000 kB\n")
        if amd {
            for (name, on) in [
                ("sev", true), ("sev_es", technology != .sev), ("sev_snp", technology == .snp),
            ] {
                try write("/sys/module/kvm_amd/parameters/\(name)", on ? "Y\n" : "N\n")
            }
            try characterDevice("/dev/sev", major: 1, minor: 3)
        } else {
            try write("/sys/module/kvm_intel/parameters/tdx", "Y\n")
        }
        try write("/sys/module/kvm/parameters/ignore_msrs", "N\n")
        // The real KVM device numbers, so KVM_CREATE_VM works as on this machine.
        try characterDevice("/dev/kvm", major: 10, minor: 232)
        var random = SeededGenerator(state: 2026)
        try Data(Self.firmwareImage(using: &random)).write(to: URL(fileURLWithPath: firmware))
        try Data(Self.peKernel(using: &random)).write(to: URL(fileURLWithPath: kernel))
        try Data((0..<7000).map { _ in UInt8.random(in: 0...255, using: &random) })
            .write(to: URL(fileURLWithPath: initrd))
    }

    /// The host as the planner sees it: this tree and the fake CPUID leaves.
    package var probe: HostProbe {
        get throws {
            try HostProbe.described(
                filesystem: HostFilesystem(root: root), cpuidLeaves: cpuid, option: "ProofHost.cpuid")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    package func write(_ path: String, _ text: String) throws {
        let full = root + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: full, atomically: false, encoding: .utf8)
    }

    private func characterDevice(_ path: String, major: UInt32, minor: UInt32) throws {
        try FileManager.default.createDirectory(
            atPath: root + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        guard mknod(root + path, S_IFCHR | 0o600, dev_t((major << 8) | minor)) == 0 else {
            throw KataError.system("mknod \(root + path) (needs root)", errno: errno)
        }
    }

    /// OVMF-shaped: SEV-ES reset block, a non-zero SEV hashes-table GPA, SEV metadata with an
    /// SNP kernel-hashes page, and TDVF metadata.
    package static func firmwareImage(using random: inout SeededGenerator) -> [UInt8] {
        var builder = FirmwareBuilder(size: 16 * 4096)
        builder.tableEntries = [
            (.sevESResetBlock, le(UInt32(0xffff_f000))),
            (.sevHashTable, le(UInt32(0x80_fc00)) + le(UInt32(0x400))),
        ]
        builder.sevSections = [
            (0x80_0000, 0x2000, 1), (0x80_2000, 0x1000, 2), (0x80_3000, 0x1000, 3), (0x80_f000, 0x1000, 0x10),
        ]
        builder.tdvfSections = [
            .init(
                dataOffset: 0, rawDataSize: 0x2000, memoryAddress: 0xffff_0000, memoryDataSize: 0x2000,
                type: 0,
                attributes: 1),
            .init(
                dataOffset: 0, rawDataSize: 0, memoryAddress: 0x80_0000, memoryDataSize: 0x1000, type: 3,
                attributes: 0),
        ]
        return builder.build(using: &random)
    }

    /// A bzImage-shaped PE (MZ, PE header at 0x80, sections, a Linux setup header) with random
    /// contents: SEV hashes the file, TDX its Authenticode.
    package static func peKernel(using random: inout SeededGenerator) -> [UInt8] {
        let noise = (0..<9216).map { _ in UInt8.random(in: 0...255, using: &random) }
        return PEImageBuilder.bzImage(size: noise.count).build { noise[$0] }
    }

    /// A configuration shaped like the shipped confidential ones, pointing at these files.
    package func configuration(
        _ technology: Technology, defaultVCPUs: Int = 1,
        hypervisorPath: String = "/usr/bin/qemu-system-x86_64"
    ) throws -> String {
        let protection: String
        switch technology {
        case .sev: protection = "guest_protection = \"sev\"\nsev_policy = 0x1"
        case .sevES: protection = "guest_protection = \"sev-es\"\nsev_policy = 0x5"
        case .snp: protection = "sev_snp_guest = true\nguest_protection = \"snp\"\nsnp_policy = 0x30000"
        case .tdx: protection = "guest_protection = \"tdx\""
        }
        let text = """
            [hypervisor.qemu]
            path = "\(hypervisorPath)"
            kernel = "\(kernel)"
            initrd = "\(initrd)"
            firmware = "\(firmware)"
            kernel_params = "agent.log=debug"
            machine_type = "q35"
            confidential_guest = true
            \(protection)
            accelerator = "kvm"
            agent_transport = "auto"
            default_vcpus = \(defaultVCPUs)
            default_memory = 2048
            shared_fs = "none"
            enable_debug = false
            enable_annotations = []

            [agent.kata]
            debug_console_enabled = false

            [runtime]
            static_sandbox_resource_mgmt = true

            """
        let path = directory + "/configuration-\(technology.rawValue).toml"
        try text.write(toFile: path, atomically: false, encoding: .utf8)
        return path
    }
}
