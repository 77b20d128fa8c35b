import Firmware
import Foundation
import Host
import KataConfig
import KataCore
import TestFixtures
import Testing

@testable import Runtime

/// A temporary directory laid out like a host's /proc, /sys and /dev (the approach of
/// Tests/HostTests/FakeHost.swift), plus the asset files a plan checks. Removed on deinit.
final class PlannerHost {
    let root: String
    var cpuidLeaves: [UInt32: CPUIDRegisters] = [
        0x8000_0000: CPUIDRegisters(eax: 0x8000_0008, ebx: 0, ecx: 0, edx: 0)
    ]
    /// KVM as `KVMStatus` would measure it; set after gathering because a fake root has no
    /// working /dev/kvm (a real KVM_CREATE_VM would run against this machine's nested KVM).
    var kvmUsable = true

    init() throws {
        root = NSTemporaryDirectory() + "kata-planner-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: root) }

    func write(_ path: String, _ text: String) throws {
        try write(path, Array(text.utf8))
    }

    func write(_ path: String, _ bytes: [UInt8]) throws {
        let full = root + path
        try FileManager.default.createDirectory(
            atPath: (full as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(bytes).write(to: URL(fileURLWithPath: full))
    }

    /// The path of `path` inside the fake root (asset files are read by their real path).
    func file(_ path: String) -> String { root + path }

    /// A character device with /dev/null's numbers (1, 3), standing in for /dev/sev or vhost-vsock.
    func makeCharacterDevice(_ path: String) throws {
        try FileManager.default.createDirectory(
            atPath: root + (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try #require(mknod(root + path, S_IFCHR | 0o600, dev_t((1 << 8) | 3)) == 0, "mknod needs root")
    }

    func loadModule(_ name: String, parameters: [String: String] = [:]) throws {
        try FileManager.default.createDirectory(
            atPath: root + "/sys/module/\(name)/parameters", withIntermediateDirectories: true)
        for (key, value) in parameters { try write("/sys/module/\(name)/parameters/\(key)", value + "\n") }
    }

    /// CPUID 0x8000001F: EAX feature bits, C-bit 51, one reduced physical address bit.
    func reportMemoryEncryption(sev: Bool, sevES: Bool, snp: Bool) {
        var eax: UInt32 = 1
        if sev { eax |= 1 << 1 }
        if sevES { eax |= 1 << 3 }
        if snp { eax |= 1 << 4 }
        cpuidLeaves[0x8000_0000] = CPUIDRegisters(eax: 0x8000_0021, ebx: 0, ecx: 0, edx: 0)
        cpuidLeaves[0x8000_001F] = CPUIDRegisters(eax: eax, ebx: 51 | (1 << 6), ecx: 0, edx: 0)
    }

    var facts: HostFacts {
        let leaves = cpuidLeaves
        var facts = HostFacts.gather(
            HostProbe(filesystem: HostFilesystem(root: root)) { leaf, _ in
                leaves[leaf] ?? CPUIDRegisters(eax: 0, ebx: 0, ecx: 0, edx: 0)
            })
        if kvmUsable {
            facts.kvm.createVM = .created(apiVersion: 12)
            facts.kvm.hardwareVirtualisation = true
            facts.kvm.runningUnderHypervisor = false
            facts.kvm.backendModules = [facts.cpu.vendor == .amd ? "kvm_amd" : "kvm_intel"]
        } else {
            facts.kvm.createVM = .deviceMissing
        }
        return facts
    }

    // MARK: hosts

    enum Kind: String, CaseIterable, Sendable {
        case plainIntel, plainAMD, amdSEVOnly, amdSNP, intelTDX, noKVM
    }

    static func make(_ kind: Kind) throws -> PlannerHost {
        let host = try PlannerHost()
        switch kind {
        case .plainIntel:
            try host.intel()
        case .plainAMD:
            try host.amd()
            try host.loadModule("kvm_amd", parameters: ["sev": "N", "sev_es": "N", "sev_snp": "N"])
        case .amdSEVOnly:
            try host.amd()
            try host.loadModule("kvm_amd", parameters: ["sev": "Y", "sev_es": "N", "sev_snp": "N"])
            try host.makeCharacterDevice("/dev/sev")
            host.reportMemoryEncryption(sev: true, sevES: false, snp: false)
        case .amdSNP, .noKVM:
            try host.amd()
            try host.loadModule("kvm_amd", parameters: ["sev": "Y", "sev_es": "Y", "sev_snp": "Y"])
            try host.makeCharacterDevice("/dev/sev")
            host.reportMemoryEncryption(sev: true, sevES: true, snp: true)
            host.kvmUsable = kind == .amdSNP
        case .intelTDX:
            try host.intel()
            try host.loadModule("kvm_intel", parameters: ["tdx": "Y"])
        }
        return host
    }

    private func intel() throws {
        try write("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: GenuineIntel\nflags\t\t: fpu lm vmx\n\n")
        try loadModule("kvm")
        try loadModule("kvm_intel")
    }

    private func amd() throws {
        try write("/proc/cpuinfo", "processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: fpu lm svm sev\n\n")
        try loadModule("kvm")
    }
}

/// Asset files: firmware images with OVMF's footer-table layout (as Tests/MeasurementTests/
/// FirmwareBuilder.swift builds them) and kernel headers.
enum Assets {
    /// What a firmware image carries.
    struct FirmwareContents {
        var hashTableGPA: UInt32? = 0x80_fc00
        var sevESResetBlock = true
        var sevMetadata = true
        var tdvf = true

        /// Everything: usable for SEV, SEV-ES, SNP and TDX plans alike.
        static let universal = FirmwareContents()
        /// Debian's /usr/share/ovmf/OVMF.fd (PLATFORM.md): SEV-ES reset block, SEV metadata, TDX
        /// metadata and a hashes-table entry whose GPA is 0.
        static let debian = FirmwareContents(hashTableGPA: 0)
        /// No footer-table entry for the hashes table at all, and no TDX metadata.
        static let noHashTable = FirmwareContents(hashTableGPA: nil, tdvf: false)
        static let amdSEV = FirmwareContents(tdvf: false)
        static let tdxOnly = FirmwareContents(hashTableGPA: nil, sevESResetBlock: false, sevMetadata: false)
    }

    static func firmware(_ contents: FirmwareContents) -> [UInt8] {
        let size = 0x8000
        var image = [UInt8](repeating: 0xff, count: size)
        var entries: [(FirmwareGUID, [UInt8])] = []
        if let gpa = contents.hashTableGPA { entries.append((.sevHashTable, le(gpa) + le(UInt32(0x400)))) }
        if contents.sevESResetBlock { entries.append((.sevESResetBlock, le(UInt32(0x80_b004)))) }
        if contents.sevMetadata {
            var sections: [(UInt32, UInt32, UInt32)] = [(0x80_0000, 0x9000, 1), (0x80_d000, 0x1000, 2)]
            // SNP measures the kernel hashes in the page the hashes table lives in (type 0x10).
            if let gpa = contents.hashTableGPA, gpa != 0 { sections.append((gpa & ~0xfff, 0x1000, 0x10)) }
            var block = Array("ASEV".utf8) + le(UInt32(16 + 12 * sections.count)) + le(UInt32(1))
            block += le(UInt32(sections.count))
            for (gpa, length, type) in sections { block += le(gpa) + le(length) + le(type) }
            image.replaceSubrange(size - 0x600..<size - 0x600 + block.count, with: block)
            entries.append((.sevMetadata, le(UInt32(0x600))))
        }
        if contents.tdvf {
            // A boot firmware volume (extended into MRTD) and temporary memory.
            let sections: [(UInt32, UInt32, UInt64, UInt64, UInt32, UInt32)] = [
                (0, 0x1000, 0xFFFF_F000, 0x1000, 0, 1), (0, 0, 0x80_0000, 0x1000, 3, 0),
            ]
            var block = Array("TDVF".utf8) + le(UInt32(16 + 32 * sections.count)) + le(UInt32(1))
            block += le(UInt32(sections.count))
            for s in sections { block += le(s.0) + le(s.1) + le(s.2) + le(s.3) + le(s.4) + le(s.5) }
            image.replaceSubrange(size - 0xa00..<size - 0xa00 + block.count, with: block)
            entries.append((.tdxMetadata, le(UInt32(0xa00))))
        }
        var table: [UInt8] = []
        for (guid, data) in entries { table += data + le(UInt16(data.count + 18)) + guid.bytes }
        table += le(UInt16(table.count + 18)) + FirmwareGUID.footerTable.bytes
        image.replaceSubrange(size - 32 - table.count..<size - 32, with: table)
        return image
    }

    /// A small but complete bzImage: MZ, the PE header at 0x80, sections, a Linux setup header
    /// (TDX plans hash it with Authenticode).
    static let bzImage: [UInt8] = PEImageBuilder.bzImage(size: 0x2000).build()

    static let elfVmlinux: [UInt8] =
        [0x7f, UInt8(ascii: "E"), UInt8(ascii: "L"), UInt8(ascii: "F")]
        + [UInt8](repeating: 0, count: 60)
}

/// A plain configuration that plans (virtio-9p, an initrd, a bzImage kernel inside `host`'s root).
func plainConfiguration(_ host: PlannerHost) throws -> KataConfiguration {
    try host.write("/assets/vmlinuz", Assets.bzImage)
    var configuration = KataConfiguration()
    configuration.hypervisor.kernel = host.file("/assets/vmlinuz")
    // A confidential plan measures the initrd, so it must exist.
    try host.write("/assets/initrd.img", Array("initrd".utf8))
    configuration.hypervisor.initrd = host.file("/assets/initrd.img")
    configuration.hypervisor.sharedFS = "virtio-9p"
    return configuration
}

/// `plainConfiguration` made confidential with `protection` and firmware `contents`.
func confidentialConfiguration(
    _ host: PlannerHost, _ protection: GuestProtectionSetting, sevSNPGuest: Bool = false,
    firmware contents: Assets.FirmwareContents = .universal
) throws -> KataConfiguration {
    var configuration = try plainConfiguration(host)
    try host.write("/assets/OVMF.fd", Assets.firmware(contents))
    configuration.hypervisor.firmware = host.file("/assets/OVMF.fd")
    configuration.hypervisor.confidentialGuest = true
    configuration.hypervisor.guestProtection = protection
    configuration.hypervisor.sevSNPGuest = sevSNPGuest
    configuration.hypervisor.sharedFS = "none"
    return configuration
}

let testPaths = SandboxPaths(sandboxID: "sb1", stateRoot: "/run/test/sbs", sharedRoot: "/run/test/shared")

func plan(_ configuration: KataConfiguration, on host: PlannerHost, annotations: [String: String] = [:])
    throws -> LaunchPlan
{
    try LaunchPlanner(configuration: configuration, host: host.facts).plan(
        LaunchRequest(sandboxID: "sb1", paths: testPaths, annotations: annotations))
}

/// Runs `body`, expects a KataError with `code`, and returns its message ("" when none was thrown).
func refusal(
    _ code: KataError.Code, sourceLocation: SourceLocation = #_sourceLocation, _ body: () throws -> Any
) -> String {
    do {
        let value = try body()
        Issue.record("expected KataError(.\(code)), got \(value)", sourceLocation: sourceLocation)
    } catch let error as KataError {
        #expect(error.code == code, "\(error.message)", sourceLocation: sourceLocation)
        return error.message
    } catch {
        Issue.record("expected KataError, got \(error)", sourceLocation: sourceLocation)
    }
    return ""
}
