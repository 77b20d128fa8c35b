import KataCore

extension HostCheckReport {
    static func confidentialChecks(_ facts: HostFacts) -> [HostCheck] {
        var checks: [HostCheck] = []
        if let info = facts.confidential.memoryEncryption {
            checks.append(
                HostCheck(
                    "CPUID 0x8000001F", .pass,
                    "C-bit position \(info.cBitPosition), reduced physical address bits \(info.reducedPhysBits)"
                ))
        } else {
            checks.append(
                HostCheck("CPUID 0x8000001F", .warn, "no AMD memory encryption reported (C-bit unknown)"))
        }
        let names: [GuestProtection: String] = [.sev: "SEV", .sevES: "SEV-ES", .snp: "SEV-SNP", .tdx: "TDX"]
        for support in facts.confidential.all {
            checks.append(
                HostCheck(
                    names[support.protection] ?? support.protection.rawValue,
                    support.available ? .pass : .warn,
                    support.available
                        ? "host supports it: \(support.reason)" : "not available: \(support.reason)"))
        }
        let protections = facts.confidential.availableGuestProtections.map(\.rawValue).joined(separator: ", ")
        checks.append(HostCheck("guest protections", .pass, "available: \(protections)"))
        return checks
    }

    static func processChecks(_ facts: HostFacts) -> [HostCheck] {
        let capabilities = facts.capabilities
        let seccomp = facts.seccomp
        let os = facts.operatingSystem
        return [
            HostCheck(
                "CAP_SYS_ADMIN", capabilities.hasSysAdmin ? .pass : .warn,
                capabilities.error
                    ?? (capabilities.hasSysAdmin
                        ? "effective (\(capabilities.effective.count) effective capabilities)"
                        : "not effective: sandbox set-up (mounts, namespaces) will fail; run as root")),
            HostCheck(
                "seccomp", seccomp.available ? .pass : .warn,
                "libseccomp \(seccomp.libraryVersion), API level \(seccomp.apiLevel)"
                    + (seccomp.kernelActions.isEmpty
                        ? "" : ", kernel actions: \(seccomp.kernelActions.count)")),
            HostCheck(
                "host", .pass,
                "\(os.distroName) \(os.distroVersion), kernel \(os.kernelRelease), \(os.architecture), "
                    + "memory \(facts.memory.totalKiB / 1024) MiB (\(facts.memory.availableKiB / 1024) MiB available)"
            ),
        ]
    }

    static func qemuCheck(_ qemu: QEMUBinary) -> HostCheck {
        if let problem = qemu.problem { return HostCheck("QEMU", .fail, problem) }
        return HostCheck(
            "QEMU", .pass,
            "\(qemu.path): \(qemu.version ?? "?"); accelerators: \(qemu.accelerators.joined(separator: ", "))"
        )
    }
}
