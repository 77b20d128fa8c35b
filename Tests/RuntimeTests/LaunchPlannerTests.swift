import Firmware
import Foundation
import Host
import KataConfig
import KataCore
import TestFixtures
import Testing
import VirtualMachine

@testable import Runtime

/// Sizing, transport, shared_fs and asset checks of the launch planner.
@Suite struct LaunchPlannerSizingTests {
    private func sized(_ annotations: [String: String], staticResources: Bool = true, vcpus: Int = 1)
        throws -> (Int, Int)
    {
        let host = try PlannerHost.make(.plainIntel)
        var configuration = try plainConfiguration(host)
        configuration.runtime.staticSandboxResourceMgmt = staticResources
        configuration.hypervisor.defaultVCPUs = vcpus
        configuration.hypervisor.defaultMemory = 2048
        let vm = try plan(configuration, on: host, annotations: annotations).vm
        return (vm.vcpus, vm.memoryMiB)
    }

    private static func cri(quota: String? = nil, period: String? = nil, memory: String? = nil) -> [String:
        String]
    {
        var annotations: [String: String] = [:]
        annotations[LaunchPlanner.cpuQuotaAnnotation] = quota
        annotations[LaunchPlanner.cpuPeriodAnnotation] = period
        annotations[LaunchPlanner.memoryAnnotation] = memory
        return annotations
    }

    @Test func upstreamsExample() throws {
        // Upstream's comment: 220000 / 100000 → 3 vCPUs (2.2 rounded up), 1048576 bytes → 1 MiB.
        let (vcpus, memory) = try sized(Self.cri(quota: "220000", period: "100000", memory: "1048576"))
        #expect(vcpus == 1 + 3 && memory == 2048 + 1)
    }

    @Test(arguments: [
        ("200000", "100000", "0", 1 + 2, 2048),
        ("-1", "100000", "1048575", 1, 2048),  // unconstrained quota; memory truncated to MiB as upstream
        ("50000", "0", "536870912", 1, 2048 + 512),  // no period: nothing added
        ("1", "100000", "3221225472", 1 + 1, 2048 + 3072),
    ])
    func workloadIsAddedToTheDefaults(quota: String, period: String, memory: String, vcpus: Int, mib: Int)
        throws
    {
        let result = try sized(Self.cri(quota: quota, period: period, memory: memory))
        #expect(result == (vcpus, mib))
    }

    @Test func withoutStaticManagementAnnotationsAreIgnored() throws {
        #expect(
            try sized(
                Self.cri(quota: "400000", period: "100000", memory: "1073741824"), staticResources: false)
                == (1, 2048))
    }

    @Test func confidentialGuestsAreAlwaysSizedStatically() throws {
        let host = try PlannerHost.make(.amdSNP)
        var configuration = try confidentialConfiguration(host, .snp)
        configuration.runtime.staticSandboxResourceMgmt = false
        let vm = try plan(configuration, on: host, annotations: Self.cri(quota: "150000", period: "100000"))
            .vm
        #expect(vm.vcpus == 1 + 2)
    }

    @Test(arguments: [
        (
            cri(quota: "abc", period: "100000"),
            "io.kubernetes.cri.sandbox-cpu-quota: 'abc' is not a decimal integer"
        ),
        (
            cri(quota: " 5", period: "100000"),
            "io.kubernetes.cri.sandbox-cpu-quota: ' 5' is not a decimal integer"
        ),
        (
            cri(quota: "-", period: "100000"),
            "io.kubernetes.cri.sandbox-cpu-quota: '-' is not a decimal integer"
        ),
        (
            cri(quota: "0x10", period: "1"),
            "io.kubernetes.cri.sandbox-cpu-quota: '0x10' is not a decimal integer"
        ),
        (cri(period: "-100000"), "io.kubernetes.cri.sandbox-cpu-period: -100000 is negative"),
        (cri(memory: "-1"), "io.kubernetes.cri.sandbox-memory: -1 is negative"),
        (cri(memory: "1.5"), "io.kubernetes.cri.sandbox-memory: '1.5' is not a decimal integer"),
        (
            cri(memory: "99999999999999999999999"),
            "io.kubernetes.cri.sandbox-memory: '99999999999999999999999' does not fit in 64 bits"
        ),
        (
            cri(memory: "9223372036854775807"),
            "io.kubernetes.cri.sandbox-memory: 9223372036854775807 bytes on top of default_memory"
        ),
        (
            cri(quota: "9223372036854775807", period: "1"),
            "asks for 9223372036854775807 vCPUs on top of default_vcpus = 1, more than the 240"
        ),
        (cri(quota: "24000000", period: "100000"), "asks for 240 vCPUs on top of default_vcpus = 1"),
    ])
    func hostileAnnotationsAreRefusedByName(annotations: [String: String], expected: String) throws {
        let message = refusal(.invalidConfig) { try sized(annotations) }
        #expect(message.contains(expected), "\(message)")
    }

    @Test func defaultMemoryAboveTheCapIsRefusedByItsKey() throws {
        let host = try PlannerHost.make(.plainIntel)
        var configuration = try plainConfiguration(host)
        configuration.hypervisor.defaultMemory = (4 << 20) + 1
        let message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(message.hasPrefix("hypervisor.qemu.default_memory: 4194305 MiB is more than"), "\(message)")
    }

    @Test func theVCPUCapIsReachableExactly() throws {
        #expect(try sized(Self.cri(quota: "23900000", period: "100000")).0 == 240)
        let message = refusal(.invalidConfig) { try sized([:], vcpus: 241) }
        #expect(message.hasPrefix("hypervisor.qemu.default_vcpus: 241 is more than the 240"))
    }
}

@Suite struct LaunchPlannerTransportTests {
    private func channel(_ transport: AgentTransport, vsockDevice: Bool) throws -> AgentChannel {
        let host = try PlannerHost.make(.plainIntel)
        if vsockDevice { try host.makeCharacterDevice("/dev/vhost-vsock") }
        var configuration = try plainConfiguration(host)
        configuration.hypervisor.agentTransport = transport
        return try plan(configuration, on: host).vm.agentChannel
    }

    private let serial = AgentChannel.virtioSerial(socketPath: "/run/test/sbs/sb1/vm/agent.sock")
    private let vsock = AgentChannel.vsock(guestCID: LaunchPlanner.guestCID(sandboxID: "sb1"), port: 1024)

    @Test func autoTakesVsockWhenTheHostHasIt() throws {
        #expect(try channel(.auto, vsockDevice: true) == vsock)
        #expect(try channel(.auto, vsockDevice: false) == serial)
    }

    @Test func explicitChoices() throws {
        #expect(try channel(.virtioSerial, vsockDevice: true) == serial)
        #expect(try channel(.vsock, vsockDevice: true) == vsock)
        let message = refusal(.unsupported) { try channel(.vsock, vsockDevice: false) }
        #expect(
            message.hasPrefix("hypervisor.qemu.agent_transport = \"vsock\": /dev/vhost-vsock does not exist"))
    }

    @Test func guestCIDIsDeterministicAndAvoidsReservedValues() {
        #expect(LaunchPlanner.guestCID(sandboxID: "sb1") == LaunchPlanner.guestCID(sandboxID: "sb1"))
        #expect(LaunchPlanner.guestCID(sandboxID: "sb1") != LaunchPlanner.guestCID(sandboxID: "sb2"))
        for index in 0..<2000 {
            let cid = LaunchPlanner.guestCID(sandboxID: "sandbox-\(index)")
            #expect(cid >= 3 && cid < 0xFFFF_FFFF)
        }
    }
}

@Suite struct LaunchPlannerSharingTests {
    @Test func virtio9pSharesTheSandboxDirectory() throws {
        let host = try PlannerHost.make(.plainIntel)
        let result = try plan(try plainConfiguration(host), on: host)
        #expect(result.vm.shares == [SharedDirectory(hostPath: testPaths.sharedDirectory, tag: "kataShared")])
        #expect(result.guestShare == GuestShare(tag: "kataShared", msize: 8192))
        #expect(result.measurement == nil)
    }

    @Test func noneSharesNothing() throws {
        let host = try PlannerHost.make(.plainIntel)
        var configuration = try plainConfiguration(host)
        configuration.hypervisor.sharedFS = "none"
        let result = try plan(configuration, on: host)
        #expect(result.vm.shares.isEmpty && result.guestShare == nil)
        // Container root filesystems arrive as hot-plugged disks: root ports to plug them into.
        #expect(result.vm.hotplugPorts == LaunchPlanner.minimumBlockRootPorts)
        configuration.hypervisor.pcieRootPort = 12
        #expect(try plan(configuration, on: host).vm.hotplugPorts == 12)
        configuration.hypervisor.machineType = "pc"
        let message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(message.contains("machine_type \"pc\""), "\(message)")
    }

    @Test(arguments: ["virtio-fs", "virtio-fs-nydus"])
    func virtioFSIsRefusedWithoutVirtiofsd(value: String) throws {
        let host = try PlannerHost.make(.plainIntel)
        var configuration = try plainConfiguration(host)
        configuration.hypervisor.sharedFS = value
        let message = refusal(.unsupported) { try plan(configuration, on: host) }
        #expect(
            message.hasPrefix("hypervisor.qemu.shared_fs = \"\(value)\": this runtime does not run virtiofsd")
        )
    }

    @Test func upstreamsDefaultSharedFSIsVirtioFSAndRefused() throws {
        #expect(KataConfiguration().hypervisor.sharedFS == "virtio-fs")
    }
}

@Suite struct LaunchPlannerAssetTests {
    @Test func debianOVMFIsRefusedForSEVWithTheFirmwareToUse() throws {
        let host = try PlannerHost.make(.amdSNP)
        for (protection, contents) in [
            (GuestProtectionSetting.sev, Assets.FirmwareContents.debian), (.sevES, .debian), (.snp, .debian),
            (.snp, .noHashTable),
        ] {
            let configuration = try confidentialConfiguration(host, protection, firmware: contents)
            let message = refusal(.invalidConfig) { try plan(configuration, on: host) }
            #expect(
                message.hasPrefix(
                    "hypervisor.qemu.firmware: \(host.file("/assets/OVMF.fd")) reserves no SEV hashes table"))
            #expect(message.contains("OvmfPkg/AmdSev/AmdSevX64.dsc (the AmdSev package)"), "\(message)")
            #expect(message.contains("ovmf-sev"))
        }
        let amd = try confidentialConfiguration(host, .snp, firmware: .amdSEV)
        #expect(try plan(amd, on: host).vm.firmware == host.file("/assets/OVMF.fd"))
    }

    @Test func tdxFirmwareNeedsTDVFMetadata() throws {
        let host = try PlannerHost.make(.intelTDX)
        let message = refusal(.invalidConfig) {
            try plan(try confidentialConfiguration(host, .tdx, firmware: .amdSEV), on: host)
        }
        #expect(message.contains("has no TDX metadata entry"), "\(message)")
        #expect(message.contains("not a TDX firmware"))
        #expect(
            try plan(try confidentialConfiguration(host, .tdx, firmware: .tdxOnly), on: host).vm.protection
                == .tdx)
    }

    /// This machine's Debian OVMF.fd, on a fake SNP host: refused for want of the hashes table.
    @Test(.enabled(if: FileManager.default.fileExists(atPath: "/usr/share/ovmf/OVMF.fd")))
    func debiansRealOVMFIsRefusedForSNP() throws {
        let host = try PlannerHost.make(.amdSNP)
        var configuration = try confidentialConfiguration(host, .snp)
        configuration.hypervisor.firmware = "/usr/share/ovmf/OVMF.fd"
        let message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(
            message.hasPrefix(
                "hypervisor.qemu.firmware: /usr/share/ovmf/OVMF.fd reserves no SEV hashes table"))
    }

    @Test func firmwareIsRequiredAndMustExist() throws {
        let host = try PlannerHost.make(.amdSNP)
        var configuration = try confidentialConfiguration(host, .snp)
        configuration.hypervisor.firmware = ""
        var message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(message.hasPrefix("hypervisor.qemu.firmware: an SEV-SNP guest boots from UEFI firmware"))
        configuration.hypervisor.firmware = host.file("/assets/missing.fd")
        message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(
            message.hasPrefix("hypervisor.qemu.firmware: \(host.file("/assets/missing.fd")):"), "\(message)")
        // Not OVMF at all: no footer table, so no hashes table either.
        try host.write("/assets/garbage.fd", [UInt8](repeating: 0, count: 4096))
        configuration.hypervisor.firmware = host.file("/assets/garbage.fd")
        message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(
            message.hasPrefix(
                "hypervisor.qemu.firmware: \(host.file("/assets/garbage.fd")) reserves no SEV hashes table"),
            "\(message)")
    }

    @Test func anELFKernelIsRefusedWithFirmware() throws {
        let host = try PlannerHost.make(.amdSNP)
        var configuration = try confidentialConfiguration(host, .snp)
        try host.write("/assets/vmlinux", Assets.elfVmlinux)
        configuration.hypervisor.kernel = host.file("/assets/vmlinux")
        let message = refusal(.invalidConfig) { try plan(configuration, on: host) }
        #expect(
            message.contains("is an ELF vmlinux; with firmware the kernel is started through its EFI stub"))
        // Without firmware (a plain guest) the ELF kernel is QEMU's to load, and not even read.
        var plain = try plainConfiguration(host)
        plain.hypervisor.kernel = "/nonexistent/vmlinux"
        #expect(try plan(plain, on: host).vm.kernel == "/nonexistent/vmlinux")
    }

    @Test func kernelFormats() throws {
        let host = try PlannerHost()
        try host.write("/bz", Assets.bzImage)
        try host.write("/elf", Assets.elfVmlinux)
        try host.write("/short", [UInt8(ascii: "M")])
        var mzOnly = Assets.bzImage
        mzOnly[0x80] = 0
        try host.write("/mz", mzOnly)
        var outside = Assets.bzImage
        outside.replaceSubrange(0x3c..<0x40, with: le(UInt32(0xFFFF_FFF0)))
        try host.write("/outside", outside)
        #expect(try KernelImageFormat.identify(path: host.file("/bz")) == .peBzImage)
        #expect(try KernelImageFormat.identify(path: host.file("/elf")) == .elf)
        #expect(try KernelImageFormat.identify(path: host.file("/short")) == .unknown("only 1 bytes long"))
        #expect(
            try KernelImageFormat.identify(path: host.file("/mz"))
                == .unknown("MZ header without a PE signature at 0x80"))
        #expect(
            try KernelImageFormat.identify(path: host.file("/outside"))
                == .unknown("PE header offset 0xfffffff0 lies outside the file"))
        #expect(throws: KataError.self) { try KernelImageFormat.identify(path: host.file("/none")) }
    }
}

/// The shipped configuration files still plan (or refuse for the reason they should) here.
@Suite struct ShippedConfigurationPlanTests {
    private static let directory: String = {
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/configuration"
    }()

    private func load(_ name: String) throws -> KataConfiguration {
        try ConfigurationLoader.loadForRuntime(
            explicitPath: "\(Self.directory)/\(name)",
            environment: ConfigLookupEnvironment(variables: [:], defaultPaths: [])
        ).configuration
    }

    @Test(arguments: ["configuration-qemu.toml", "configuration-qemu-coco-dev.toml"])
    func plainFilesPlan(name: String) throws {
        let host = try PlannerHost.make(.plainIntel)
        let result = try plan(try load(name), on: host)
        #expect(result.vm.protection == .none && result.vm.accelerator == .tcg)
        #expect(result.vm.shares.isEmpty == (name != "configuration-qemu.toml"))
    }

    @Test(arguments: [
        ("configuration-qemu-sev.toml", "guest_protection = \"sev\": this host cannot launch an SEV guest"),
        (
            "configuration-qemu-snp.toml",
            "guest_protection = \"snp\": this host cannot launch an SEV-SNP guest"
        ),
        ("configuration-qemu-tdx.toml", "guest_protection = \"tdx\": this host cannot launch a TDX guest"),
    ])
    func confidentialFilesAreRefusedOnAPlainHost(name: String, expected: String) throws {
        let host = try PlannerHost.make(.plainIntel)
        let message = refusal(.unsupported) { try plan(try load(name), on: host) }
        #expect(message.contains(expected), "\(message)")
    }
}
