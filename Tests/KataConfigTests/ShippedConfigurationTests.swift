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
        #expect(qemu.kernel == "/usr/share/kata-containers/vmlinux.container")
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

    @Test(arguments: [
        "configuration-qemu-sev.toml", "configuration-qemu-snp.toml", "configuration-qemu-tdx.toml",
    ])
    func confidentialFilesKeepMeasuredInputsAwayFromPods(name: String) throws {
        let configuration = try load(name).configuration
        #expect(configuration.hypervisor.enableAnnotations == ["default_vcpus", "default_memory"])
        #expect(configuration.runtime.staticSandboxResourceMgmt && !configuration.agent.debugConsoleEnabled)
        #expect(configuration.hypervisor.sharedFS == "none")
    }
}
