import KataConfig
import KataCore
import Testing

@Suite struct AnnotationTests {
    private let prefix = "io.katacontainers.config."

    private func configuration(enabled: [String]) -> KataConfiguration {
        var configuration = KataConfiguration()
        configuration.hypervisor.initrd = "/usr/share/kata-containers/kata-containers-initrd.img"
        configuration.hypervisor.enableAnnotations = enabled
        configuration.hypervisor.validKernelPaths = ["/usr/share/kata-containers/vmlinux-*"]
        configuration.hypervisor.validHypervisorPaths = ["/usr/bin/qemu-system-x86_64"]
        return configuration
    }

    @Test func allowedAnnotationsAreApplied() throws {
        let base = configuration(enabled: [
            "default_vcpus", "default_memory", "kernel", "path", "agent.kernel_modules",
            "runtime.experimental",
        ])
        let result = try base.applyingAnnotations([
            prefix + "hypervisor.default_vcpus": "2",
            prefix + "hypervisor.default_memory": "768",
            prefix + "hypervisor.kernel": "/usr/share/kata-containers/vmlinux-6.1",
            prefix + "hypervisor.path": "/usr/bin/qemu-system-x86_64",
            prefix + "agent.kernel_modules": "e1000e EEE=1; i915 enable_ppgtt=0",
            prefix + "runtime.experimental": "a b",
            "io.kubernetes.cri.sandbox-id": "not configuration, ignored",
        ])
        #expect(result.hypervisor.defaultVCPUs == 2 && result.hypervisor.defaultMemory == 768)
        #expect(result.hypervisor.kernel == "/usr/share/kata-containers/vmlinux-6.1")
        #expect(result.agent.kernelModules == ["e1000e EEE=1", "i915 enable_ppgtt=0"])
        #expect(result.runtime.experimental == ["a", "b"])
        #expect(try base.applyingAnnotations([:]) == base)
    }

    @Test func annotationNotEnabledIsRejected() {
        let base = configuration(enabled: ["default_memory"])
        let message = expectKataError(.invalidConfig) {
            _ = try base.applyingAnnotations([prefix + "hypervisor.default_vcpus": "4"])
        }
        #expect(
            message.hasPrefix("annotation io.katacontainers.config.hypervisor.default_vcpus: not enabled"))
        let agent = expectKataError(.invalidConfig) {
            _ = try base.applyingAnnotations([prefix + "agent.kernel_modules": "evil"])
        }
        #expect(agent.contains("agent.kernel_modules") && agent.contains("not enabled"))
    }

    @Test func enableAnnotationsMatchesWholeNames() throws {
        let base = configuration(enabled: ["default_.*"])
        #expect(
            try base.applyingAnnotations([prefix + "hypervisor.default_memory": "1024"]).hypervisor
                .defaultMemory == 1024)
        // "path" must not enable "virtio_fs_daemon" paths or anything merely containing "path".
        let pathOnly = configuration(enabled: ["path"])
        let message = expectKataError(.invalidConfig) {
            _ = try pathOnly.applyingAnnotations([prefix + "hypervisor.guest_hook_path": "/x"])
        }
        #expect(message.contains("not enabled"))
    }

    @Test(arguments: [
        ("/opt/evil/vmlinux", "matches none of the allowed patterns in hypervisor.qemu.valid_kernel_paths"),
        ("/usr/share/kata-containers/vmlinux-x/../../../../tmp/k", "is not a normalised path"),
        ("vmlinux-6.1", "is not an absolute path"),
    ])
    func pathOutsideValidGlobsIsRejected(path: String, reason: String) {
        let base = configuration(enabled: ["kernel"])
        let message = expectKataError(.invalidConfig) {
            _ = try base.applyingAnnotations([prefix + "hypervisor.kernel": path])
        }
        #expect(message.hasPrefix("annotation io.katacontainers.config.hypervisor.kernel: "))
        #expect(message.contains(reason), "\(message)")
    }

    @Test func pathWithEmptyGlobListIsRejected() {
        let base = configuration(enabled: ["firmware"])
        let message = expectKataError(.invalidConfig) {
            _ = try base.applyingAnnotations([prefix + "hypervisor.firmware": "/usr/share/ovmf/OVMF.fd"])
        }
        #expect(message.contains("valid_firmware_paths"))
    }

    @Test func badValuesNameTheAnnotation() {
        let base = configuration(enabled: [".*", "agent.*", "runtime.*"])
        let cases: [(String, String, String)] = [
            ("hypervisor.default_memory", "lots", "expected an integer, got 'lots'"),
            ("hypervisor.default_max_vcpus", "-1", "-1 is outside 0...4096"),
            ("hypervisor.accelerator", "hvf", "'hvf' is not one of: kvm, tcg, auto"),
            ("runtime.sandbox_cgroup_only", "yes", "expected true or false, got 'yes'"),
            ("hypervisor.guest_protection", "none", "this runtime does not support overriding this setting"),
            ("hypervisor.no_such_thing", "1", "this runtime does not support overriding this setting"),
        ]
        for (suffix, value, reason) in cases {
            let message = expectKataError(.invalidConfig) {
                _ = try base.applyingAnnotations([prefix + suffix: value])
            }
            #expect(message == "annotation \(prefix + suffix): \(reason)")
        }
    }

    /// `cc_init_data` is the pod's initdata: an annotation only (the planner decodes it), taken
    /// as it came when enabled, refused when not.
    @Test func initdataIsAnAnnotationThatMustBeEnabled() throws {
        let name = prefix + "hypervisor.cc_init_data"
        let applied = try configuration(enabled: ["cc_init_data"]).applyingAnnotations([name: "H4sIAAAA"])
        #expect(applied.hypervisor.initdata == "H4sIAAAA")
        let message = expectKataError(.invalidConfig) {
            _ = try configuration(enabled: ["default_vcpus"]).applyingAnnotations([name: "H4sIAAAA"])
        }
        #expect(message.hasPrefix("annotation \(name): not enabled by hypervisor.qemu.enable_annotations"))
    }

    @Test func annotationsCannotBreakCrossKeyRules() {
        let base = configuration(enabled: ["image"])
        var withGlob = base
        withGlob.hypervisor.validImagePaths = ["/images/*"]
        let message = expectKataError(.invalidConfig) {
            _ = try withGlob.applyingAnnotations([prefix + "hypervisor.image": "/images/a.img"])
        }
        #expect(message.contains("both image and initrd are set"))
    }

    @Test func shimAppliesAnnotationsFromTheChosenFile() throws {
        try withTemporaryDirectory { dir in
            let text = minimalConfig + "enable_annotations = [\"default_vcpus\"]\n"
            let path = try write(text, to: "configuration.toml", in: dir)
            let environment = ConfigLookupEnvironment(variables: [:], defaultPaths: [])
            let loaded = try ConfigurationLoader.loadForShim(
                annotations: [prefix + "hypervisor.default_vcpus": "3"], shimConfigPath: path,
                environment: environment)
            #expect(loaded.configuration.hypervisor.defaultVCPUs == 3)
            _ = expectKataError(.invalidConfig) {
                _ = try ConfigurationLoader.loadForShim(
                    annotations: [prefix + "hypervisor.default_memory": "1"], shimConfigPath: path,
                    environment: environment)
            }
        }
    }
}

/// Numbers in annotations come from pod specs: values past Int, past the option's range, not
/// integers, or not finite are refused with `.invalidConfig` naming the annotation, never a trap.
@Suite struct AnnotationNumberTests {
    static let numericAnnotations = [
        "hypervisor.default_vcpus", "hypervisor.default_max_vcpus", "hypervisor.default_memory",
        "hypervisor.memory_slots", "hypervisor.pcie_root_port", "hypervisor.msize_9p",
        "runtime.create_container_timeout",
    ]
    static let hostileValues = [
        "9223372036854775808", "-9223372036854775809", "18446744073709551616", "99999999999999999999999",
        "1e400", "-1e400", "nan", "inf", "4294967297", "", " 2", "2 ", "0x10000000000",
    ]

    @Test(arguments: numericAnnotations)
    func hostileNumbersAreRefusedNamingTheAnnotation(_ suffix: String) {
        var base = KataConfiguration()
        base.hypervisor.initrd = "/initrd.img"
        base.hypervisor.enableAnnotations = [".*"]
        let name = KataConfiguration.annotationPrefix + suffix
        for value in Self.hostileValues {
            let message = expectKataError(.invalidConfig) { _ = try base.applyingAnnotations([name: value]) }
            #expect(message.hasPrefix("annotation \(name): "), "\(value): \(message)")
        }
    }

    @Test func fractionsAreRefusedWhereOnlyIntegersAreValid() {
        var base = KataConfiguration()
        base.hypervisor.initrd = "/initrd.img"
        base.hypervisor.enableAnnotations = [".*"]
        let name = KataConfiguration.annotationPrefix + "hypervisor.default_memory"
        let message = expectKataError(.invalidConfig) { _ = try base.applyingAnnotations([name: "1.5"]) }
        #expect(message == "annotation \(name): expected an integer, got '1.5'")
    }

    @Test func fractionalVCPUsRoundUpWithinRange() throws {
        var base = KataConfiguration()
        base.hypervisor.initrd = "/initrd.img"
        base.hypervisor.enableAnnotations = ["default_vcpus"]
        let name = KataConfiguration.annotationPrefix + "hypervisor.default_vcpus"
        #expect(try base.applyingAnnotations([name: "1.5"]).hypervisor.defaultVCPUs == 2)
        #expect(try base.applyingAnnotations([name: "4096"]).hypervisor.defaultVCPUs == 4096)
        let message = expectKataError(.invalidConfig) { _ = try base.applyingAnnotations([name: "4096.5"]) }
        #expect(message == "annotation \(name): must be between -4096 and 4096")
    }
}
