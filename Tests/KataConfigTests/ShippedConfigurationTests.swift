import Foundation
import KataConfig
import Testing

/// Loads every file in the repository's configuration/ directory.
@Suite struct ShippedConfigurationTests {
    private static let directory: String = {
        // #filePath = <repo>/Tests/KataConfigTests/ShippedConfigurationTests.swift
        var parts = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false)
        parts.removeLast(3)
        return parts.joined(separator: "/") + "/configuration"
    }()

    private func load(_ name: String) throws -> LoadedConfiguration {
        let loaded = try loadFile("\(Self.directory)/\(name)")
        #expect(loaded.warnings == [], "\(name): \(loaded.warnings)")
        #expect(loaded.dropIns == [])
        let qemu = loaded.configuration.hypervisor
        #expect(qemu.path == "/usr/bin/qemu-system-x86_64")
        // Firmware boots the confidential guests' kernel through its EFI stub: a bzImage, under
        // upstream's name; the plain ones boot the faster ELF vmlinux.
        let kernel =
            qemu.confidentialGuest
            ? "/usr/share/kata-containers/vmlinuz-confidential.container"
            : "/usr/share/kata-containers/vmlinux.container"
        #expect(qemu.kernel == kernel, "\(name)")
        #expect(qemu.initrd == "/usr/share/kata-containers/kata-containers-initrd.img")
        #expect(qemu.image == "" && qemu.agentTransport == .auto && qemu.machineType == "q35")
        return loaded
    }

    @Test func plainQEMU() throws {
        let configuration = try load("configuration-qemu.toml").configuration
        let qemu = configuration.hypervisor
        #expect(qemu.accelerator == .tcg && qemu.guestProtection == .none && !qemu.confidentialGuest)
        #expect(qemu.requestedProtection == .none && qemu.firmware == "")
        #expect(qemu.sharedFS == "virtio-9p" && qemu.defaultMemory == 1024 && qemu.defaultVCPUs == 1)
        #expect(qemu.enableAnnotations == ["kernel_params", "default_vcpus", "default_memory"])
        #expect(!configuration.runtime.staticSandboxResourceMgmt)
    }

    @Test func sev() throws {
        let qemu = try load("configuration-qemu-sev.toml").configuration.hypervisor
        #expect(qemu.guestProtection == .sev && qemu.confidentialGuest && !qemu.sevSNPGuest)
        #expect(
            qemu.accelerator == .kvm && qemu.sevPolicy == 0x1 && qemu.firmware == "/usr/share/ovmf/OVMF.fd")
    }

    @Test func snp() throws {
        let qemu = try load("configuration-qemu-snp.toml").configuration.hypervisor
        #expect(qemu.guestProtection == .snp && qemu.confidentialGuest && qemu.sevSNPGuest)
        #expect(
            qemu.accelerator == .kvm && qemu.snpPolicy == 0x30000
                && qemu.firmware == "/usr/share/ovmf/OVMF.fd")
        #expect(qemu.snpIDBlock == nil && qemu.snpIDAuth == nil)
    }

    @Test func snpUsesUpstreamsPolicyKey() throws {
        let text = try String(
            contentsOfFile: "\(Self.directory)/configuration-qemu-snp.toml", encoding: .utf8)
        #expect(text.contains("\nsnp_guest_policy = 0x30000\n") && !text.contains("\nsnp_policy ="))
    }

    @Test func makeInstallPutsTheBzImageWhereTheConfidentialFilesLook() throws {
        let makefile = try String(contentsOfFile: "\(Self.directory)/../Makefile", encoding: .utf8)
        #expect(
            makefile.contains(
                "install -D -m 0644 $(KERNEL_DIR)/vmlinuz /usr/share/kata-containers/vmlinuz-confidential.container"
            ))
    }

    @Test func tdx() throws {
        let qemu = try load("configuration-qemu-tdx.toml").configuration.hypervisor
        #expect(qemu.guestProtection == .tdx && qemu.confidentialGuest && qemu.accelerator == .kvm)
        #expect(qemu.tdx == TDXOptions() && qemu.firmware == "/usr/share/ovmf/OVMF.fd")
    }

    @Test func cocoDev() throws {
        let configuration = try load("configuration-qemu-coco-dev.toml").configuration
        let qemu = configuration.hypervisor
        #expect(qemu.guestProtection == .none && !qemu.confidentialGuest && qemu.accelerator == .tcg)
        #expect(qemu.sharedFS == "none" && configuration.runtime.staticSandboxResourceMgmt)
        #expect(configuration.agent.debugConsoleEnabled)
    }

    /// What a pod may set: nothing measured (SNP: vCPUs are VMSA pages in the digest; TDX: vCPUs
    /// and memory are in RTMR[0]'s ACPI tables and TD HOB), and initdata where a TEE binds it.
    @Test(arguments: [
        ("configuration-qemu-sev.toml", ["default_vcpus", "default_memory"]),
        ("configuration-qemu-snp.toml", ["default_memory", "cc_init_data"]),
        ("configuration-qemu-tdx.toml", ["cc_init_data"]),
    ])
    func confidentialFilesKeepMeasuredInputsAwayFromPods(name: String, enabled: [String]) throws {
        let configuration = try load(name).configuration
        #expect(configuration.hypervisor.enableAnnotations == enabled)
        #expect(configuration.runtime.staticSandboxResourceMgmt && !configuration.agent.debugConsoleEnabled)
        #expect(configuration.hypervisor.sharedFS == "none")
    }
}
