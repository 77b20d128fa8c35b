extension HostCheckReport {
    static func cpuChecks(_ facts: HostFacts) -> [HostCheck] {
        guard facts.cpuInfoReadable else {
            return [HostCheck("cpu", .warn, "/proc/cpuinfo could not be read: CPU flags unknown")]
        }
        let cpu = facts.cpu
        var checks = [
            HostCheck(
                "cpu vendor", cpu.vendor == .other ? .warn : .pass,
                cpu.vendor == .other
                    ? "\"\(cpu.vendorID)\" is neither AuthenticAMD nor GenuineIntel: only TCG is known to work"
                    : "\(cpu.vendorID), \(cpu.modelName)")
        ]
        for (flag, meaning) in cpu.requiredFlags {
            let present = cpu.flags.contains(flag)
            // Only KVM needs the host's flags; TCG emulates the guest CPU, so a missing flag warns.
            checks.append(
                HostCheck(
                    "cpu flag \(flag)", present ? .pass : .warn,
                    present ? "\(meaning) present" : "\(meaning) missing: KVM cannot use it, TCG still works")
            )
        }
        return checks
    }

    static func moduleChecks(_ facts: HostFacts) -> [HostCheck] {
        facts.modules.map { module in
            let status: HostCheck.Status = module.loaded ? .pass : .warn
            let state = module.loaded ? "loaded" : (module.required ? "not loaded" : "not loaded (optional)")
            return HostCheck("kernel module \(module.name)", status, "\(module.meaning): \(state)")
        }
    }

    static func kvmChecks(_ facts: HostFacts) -> [HostCheck] {
        let kvm = facts.kvm
        var checks: [HostCheck] = []
        switch kvm.createVM {
        case .deviceMissing:
            checks.append(
                HostCheck("/dev/kvm", .warn, "\(kvm.devicePath) does not exist: only TCG is possible"))
        case .failed:
            let kind =
                kvm.deviceKind == .characterDevice
                ? "character device" : "\(kvm.deviceKind.map(\.rawValue) ?? "missing") (not a device)"
            checks.append(
                HostCheck("/dev/kvm", kvm.deviceKind == .characterDevice ? .pass : .warn, "\(kind) present"))
            checks.append(HostCheck("KVM_CREATE_VM", .warn, kvm.usabilityReason + ": only TCG is possible"))
        case .created(let version):
            checks.append(HostCheck("/dev/kvm", .pass, "character device present"))
            checks.append(
                HostCheck("KVM_CREATE_VM", .pass, "created and destroyed a VM (KVM API \(version))"))
        }
        if case .created = kvm.createVM {
            checks.append(
                HostCheck("KVM usable", kvm.usability == .usable ? .pass : .warn, kvm.usabilityReason))
        }
        return checks
    }

    static func deviceChecks(_ facts: HostFacts) -> [HostCheck] {
        [
            HostCheck(
                "vhost-net", facts.vhostNet.present ? .pass : .warn,
                facts.vhostNet.present
                    ? "/dev/vhost-net present" : "/dev/vhost-net missing: virtio-net runs in QEMU userspace"),
            HostCheck(
                "vhost-vsock", facts.vhostVsock.present ? .pass : .warn,
                facts.vhostVsock.present
                    ? "/dev/vhost-vsock present"
                    : "/dev/vhost-vsock missing: no vsock to the guest, the agent uses virtio-serial"),
        ]
    }
}
