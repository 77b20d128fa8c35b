import BuildInfo
import Host
import KataConfig
import KataCore

/// What `kata-runtime env` reports, in upstream's sections and key names.
public enum EnvReport {
    public static func build(
        configuration loaded: LoadedConfiguration, facts: HostFacts, qemu: QEMUBinary, runtimePath: String
    ) -> EnvValue {
        let config = loaded.configuration
        let q = config.hypervisor
        let check = HostCheckReport(facts: facts, qemu: qemu)
        return .table([
            ("Kernel", .table([("Path", .string(q.kernel)), ("Parameters", .string(q.kernelParams))])),
            ("Meta", .table([("Version", .string("1.0.27"))])),
            ("Image", .table([("Path", .string(q.image))])),
            ("Initrd", .table([("Path", .string(q.initrd))])),
            ("Hypervisor", hypervisor(q, qemu: qemu)),
            ("Runtime", runtime(config.runtime, path: runtimePath, configPath: loaded.path)),
            ("Host", host(facts, canRunVM: check.canRunVM)),
            (
                "Agent",
                .table([
                    ("Debug", .bool(config.agent.enableDebug)), ("Trace", .bool(config.agent.enableTracing)),
                ])
            ),
        ])
    }

    static func hypervisor(_ q: QEMUConfig, qemu: QEMUBinary) -> EnvValue {
        .table([
            ("MachineType", .string(q.machineType)),
            ("Version", .string(qemu.version ?? "")),
            ("Path", .string(q.path)),
            ("BlockDeviceDriver", .string(q.blockDeviceDriver)),
            ("EntropySource", .string(q.entropySource)),
            ("SharedFS", .string(q.sharedFS)),
            ("VirtioFSDaemon", .string(q.virtioFSDaemon)),
            ("SocketPath", .string("")),
            ("Msize9p", .int(Int64(q.msize9p))),
            ("MemorySlots", .int(Int64(q.memorySlots))),
            ("HotPlugVFIO", .string(q.hotPlugVFIO)),
            ("ColdPlugVFIO", .string(q.coldPlugVFIO)),
            ("PCIeRootPort", .int(Int64(q.pcieRootPort))),
            ("Debug", .bool(q.enableDebug)),
            ("Accelerator", .string(q.accelerator.rawValue)),
            ("AgentTransport", .string(q.agentTransport.rawValue)),
            (
                "SecurityInfo",
                .table([
                    ("Rootless", .bool(q.rootless)),
                    ("DisableSeccomp", .bool(q.disableSeccomp)),
                    ("GuestHookPath", .string(q.guestHookPath)),
                    ("EnableAnnotations", .strings(q.enableAnnotations)),
                    ("ConfidentialGuest", .bool(q.confidentialGuest)),
                    ("GuestProtection", .string(q.guestProtection.rawValue)),
                ])
            ),
        ])
    }

    static func runtime(_ r: RuntimeConfig, path: String, configPath: String) -> EnvValue {
        .table([
            ("Path", .string(path)),
            ("Experimental", .strings(r.experimental)),
            ("Debug", .bool(r.enableDebug)),
            ("Trace", .bool(r.enableTracing)),
            ("DisableGuestSeccomp", .bool(r.disableGuestSeccomp)),
            ("DisableNewNetNs", .bool(r.disableNewNetns)),
            ("SandboxCgroupOnly", .bool(r.sandboxCgroupOnly)),
            ("Config", .table([("Path", .string(configPath))])),
            (
                "Version",
                .table([
                    ("OCI", .string(KataVersion.ociSpec)),
                    (
                        "Version",
                        .table(semver(KataVersion.version) + [("Commit", .string(BuildInfo.commit))])
                    ),
                ])
            ),
        ])
    }

    static func host(_ facts: HostFacts, canRunVM: Bool) -> EnvValue {
        .table([
            (
                "AvailableGuestProtections",
                .strings(facts.confidential.availableGuestProtections.map(\.rawValue))
            ),
            ("Kernel", .string(facts.operatingSystem.kernelRelease)),
            ("Architecture", .string(goArchitecture(facts.operatingSystem.architecture))),
            ("VMContainerCapable", .bool(canRunVM)),
            ("SupportVSocks", .bool(facts.supportsVSocks)),
            (
                "Distro",
                .table([
                    ("Name", .string(facts.operatingSystem.distroName)),
                    ("Version", .string(facts.operatingSystem.distroVersion)),
                ])
            ),
            (
                "CPU",
                .table([
                    ("Vendor", .string(facts.cpu.vendorID)),
                    ("Model", .string(facts.cpu.modelName)),
                    ("CPUs", .int(Int64(onlineProcessorCount()))),
                ])
            ),
            (
                "Memory",
                .table([
                    ("Total", .int(Int64(facts.memory.totalKiB))),
                    ("Free", .int(Int64(facts.memory.freeKiB))),
                    ("Available", .int(Int64(facts.memory.availableKiB))),
                ])
            ),
        ])
    }

    /// Upstream prints Go's architecture names.
    static func goArchitecture(_ machine: String) -> String {
        switch machine {
        case "x86_64": return "amd64"
        case "aarch64": return "arm64"
        default: return machine
        }
    }

    static func semver(_ version: String) -> [(String, EnvValue)] {
        let parts =
            version.split(separator: "-").first.map { $0.split(separator: ".").map { Int64($0) ?? 0 } } ?? []
        func part(_ i: Int) -> Int64 { i < parts.count ? parts[i] : 0 }
        return [
            ("Semver", .string(version)), ("Major", .int(part(0))), ("Minor", .int(part(1))),
            ("Patch", .int(part(2))),
        ]
    }
}
