import KataConfig
import KataCore
import Testing

@Suite struct ParsingTests {
    @Test func syntaxErrorNamesFileLineAndColumn() throws {
        try withTemporaryDirectory { dir in
            let path = try write(minimalConfig + "default_vcpus = = 2\n", to: "configuration.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(path) }
            #expect(message.hasPrefix("\(path): line 3, column "))
            #expect(message.contains("TOML syntax error"))
        }
    }

    @Test func wrongTypeNamesFullKeyAndFile() throws {
        try withTemporaryDirectory { dir in
            let path = try write(
                minimalConfig + "default_vcpus = \"two\"\n", to: "configuration.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(path) }
            #expect(message == "\(path): hypervisor.qemu.default_vcpus: expected number, found string")
        }
    }

    @Test func wrongTypeInsideListAndSection() throws {
        try withTemporaryDirectory { dir in
            let list = try write(
                minimalConfig + "[agent.kata]\nkernel_modules = [\"a\", 3]\n", to: "a.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(list) }
            #expect(
                message
                    == "\(list): agent.kata.kernel_modules: expected array of strings, found array containing integer"
            )
            let section = try write("runtime = 3\n" + minimalConfig, to: "b.toml", in: dir)
            let sectionMessage = expectKataError(.invalidConfig) { _ = try loadFile(section) }
            #expect(sectionMessage == "\(section): runtime: expected table, found integer")
        }
    }

    @Test func unknownKeysAreWarningsNamingKeyAndFile() throws {
        try withTemporaryDirectory { dir in
            let text =
                minimalConfig + "no_such_option = 1\n[agent.kata]\nfrobnicate = true\n[mystery]\nx = 1\n"
            let path = try write(text, to: "configuration.toml", in: dir)
            let loaded = try loadFile(path)
            // Sorted by table, then key, so the order is stable.
            #expect(
                loaded.warnings.map(\.key) == [
                    "agent.kata.frobnicate", "hypervisor.qemu.no_such_option", "mystery",
                ])
            #expect(loaded.warnings.allSatisfy { $0.file == path })
            #expect(loaded.warnings[0].description == "\(path): unknown key 'agent.kata.frobnicate' ignored")
        }
    }

    @Test func upstreamShapedFileLoadsWithoutWarnings() throws {
        try withTemporaryDirectory { dir in
            let path = try write(upstreamShapedConfig, to: "configuration.toml", in: dir)
            let loaded = try loadFile(path)
            #expect(loaded.warnings == [])
            let qemu = loaded.configuration.hypervisor
            #expect(qemu.path == "/opt/kata/bin/qemu-system-x86_64")
            #expect(qemu.image == "/opt/kata/share/kata-containers/kata-containers.img")
            #expect(qemu.enableAnnotations == ["enable_iommu", "virtio_fs_extra_args", "kernel_params"])
            #expect(qemu.cpuFeatures == "pmu=off")
            #expect(qemu.defaultMemory == 2048 && qemu.defaultVCPUs == 1 && qemu.memorySlots == 10)
            #expect(qemu.virtioFSExtraArgs == ["--thread-pool-size=1", "--announce-submounts"])
            #expect(qemu.requestedProtection == .none)
            #expect(loaded.configuration.agent.dialTimeout == 45)
            #expect(loaded.configuration.runtime.internetworkingModel == "tcfilter")
            #expect(loaded.configuration.runtime.createContainerTimeout == 60)
        }
    }

    @Test func absentKeysTakeUpstreamDefaults() throws {
        try withTemporaryDirectory { dir in
            let loaded = try loadFile(try write(minimalConfig, to: "configuration.toml", in: dir))
            var expected = KataConfiguration()
            expected.hypervisor.initrd = "/usr/share/kata-containers/kata-containers-initrd.img"
            #expect(loaded.configuration == expected)
            let qemu = loaded.configuration.hypervisor
            #expect(qemu.path == "/usr/bin/qemu-system-x86_64" && qemu.machineType == "q35")
            #expect(
                qemu.defaultMemory == 2048 && qemu.msize9p == 8192 && qemu.blockDeviceDriver == "virtio-scsi")
            #expect(
                qemu.accelerator == .auto && qemu.agentTransport == .auto && qemu.guestProtection == .auto)
            #expect(qemu.snpPolicy == 0x30000 && qemu.sevPolicy == nil)
            #expect(QEMUConfig.defaultSEVPolicy(for: .sevES) == 0x5)
        }
    }

    @Test func floatVCPUsRoundUpAsUpstream() throws {
        try withTemporaryDirectory { dir in
            let loaded = try loadFile(
                try write(minimalConfig + "default_vcpus = 1.5\n", to: "c.toml", in: dir))
            #expect(loaded.configuration.hypervisor.defaultVCPUs == 2)
        }
    }

    @Test(arguments: [
        ("accelerator = \"hvf\"", "hypervisor.qemu.accelerator: 'hvf' is not one of: kvm, tcg, auto"),
        ("shared_fs = \"nfs\"", "hypervisor.qemu.shared_fs: 'nfs' is not one of"),
        ("default_bridges = 9", "hypervisor.qemu.default_bridges: 9 is outside 0...5"),
        ("snp_policy = 0x10000", "hypervisor.qemu.snp_policy: bit 17 (reserved) must be set"),
        ("tdx_mrconfigid = \"abcd\"", "hypervisor.qemu.tdx_mrconfigid: expected 96 hex digits"),
        ("sev_policy = 0x100000000", "hypervisor.qemu.sev_policy: must fit in 32 bits"),
    ])
    func invalidValuesAreRejected(line: String, expected: String) throws {
        try withTemporaryDirectory { dir in
            let path = try write(minimalConfig + line + "\n", to: "configuration.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(path) }
            #expect(message.hasPrefix("\(path): \(expected)"), "\(message)")
        }
    }

    @Test(arguments: [
        ("image = \"/i.img\"", "both image and initrd are set"),
        ("guest_protection = \"snp\"", "needs hypervisor.qemu.confidential_guest = true"),
        ("guest_protection = \"tdx\"\nconfidential_guest = true\naccelerator = \"tcg\"", "TCG cannot run it"),
        ("confidential_guest = true\nsev_snp_guest = true\nguest_protection = \"sev\"", "contradicts"),
        ("confidential_guest = true\nguest_protection = \"sev-es\"\nsev_policy = 1", "ES bit (0x4)"),
        ("enable_annotations = [\"(\"]", "not a valid regular expression"),
        ("[runtime]\ndisable_new_netns = true", "needs runtime.internetworking_model"),
        ("[hypervisor.clh]\npath = \"/x\"", "supports only [hypervisor.qemu]"),
    ])
    func inconsistentSettingsAreRejected(lines: String, expected: String) throws {
        try withTemporaryDirectory { dir in
            let path = try write(minimalConfig + lines + "\n", to: "configuration.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(path) }
            #expect(message.hasPrefix(path) && message.contains(expected), "\(message)")
        }
    }

    @Test func fileWithoutQEMUTableIsRejected() throws {
        try withTemporaryDirectory { dir in
            let path = try write("[runtime]\nenable_debug = true\n", to: "configuration.toml", in: dir)
            let message = expectKataError(.invalidConfig) { _ = try loadFile(path) }
            #expect(message == "\(path): no [hypervisor.qemu] table")
        }
    }
}
