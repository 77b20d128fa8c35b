import KataCore

/// The VM's size. Nothing is hot-plugged later, so with `static_sandbox_resource_mgmt` (always
/// for a confidential guest, whose memory and CPUs the host cannot add to) the VM starts with the
/// pod's whole allowance, the way upstream computes it (Go runtime, `pkg/oci/utils.go`
/// `CalculateSandboxSizing` / `calculateVMResources` and `virtcontainers/utils`
/// `CalculateCPUsF`; upstream adds them to the VM size when `StaticResourceMgmt` is set):
/// - vCPUs = `default_vcpus` + ceil(`io.kubernetes.cri.sandbox-cpu-quota` /
///   `io.kubernetes.cri.sandbox-cpu-period`); a negative quota (CRI's -1, unconstrained) or a
///   zero or absent period adds nothing;
/// - memory MiB = `default_memory` + `io.kubernetes.cri.sandbox-memory` / 1 MiB, truncated as
///   upstream does (1048576 bytes → 1 MiB, 1048575 → 0); absent adds nothing.
/// Upstream logs and ignores a value it cannot parse; this runtime refuses it, naming the
/// annotation, because a silently different vCPU count changes the launch measurement.
/// Without static management the annotations are ignored (upstream hot-plugs instead; this
/// runtime does not hot-plug, so such a VM keeps its default size).
extension LaunchPlanner {
    public static let cpuPeriodAnnotation = "io.kubernetes.cri.sandbox-cpu-period"
    public static let cpuQuotaAnnotation = "io.kubernetes.cri.sandbox-cpu-quota"
    public static let memoryAnnotation = "io.kubernetes.cri.sandbox-memory"
    /// Upstream's limit for a QEMU x86_64 guest (govmm `MaxQemuVCPUs`, 240): more than QEMU's q35
    /// accepts without an IOMMU-backed x2APIC setup.
    public static let maximumVCPUs = 240
    /// 4 TiB: beyond any host this runtime targets; keeps every sum far from overflow.
    public static let maximumMemoryMiB = 4 << 20

    struct Sizing: Equatable {
        var vcpus: Int
        var memoryMiB: Int
    }

    func sizing(annotations: [String: String], staticResources: Bool) throws -> Sizing {
        let q = configuration.hypervisor
        var vcpus = max(1, q.defaultVCPUs)
        var memory = max(64, q.defaultMemory)
        if vcpus > Self.maximumVCPUs {
            throw KataError(
                .invalidConfig,
                "hypervisor.qemu.default_vcpus: \(vcpus) is more than the \(Self.maximumVCPUs) vCPUs a QEMU "
                    + "x86_64 guest is given at most")
        }
        if memory > Self.maximumMemoryMiB {
            throw KataError(
                .invalidConfig,
                "hypervisor.qemu.default_memory: \(memory) MiB is more than the \(Self.maximumMemoryMiB) MiB "
                    + "(4 TiB) this runtime gives a guest")
        }
        guard staticResources else { return Sizing(vcpus: vcpus, memoryMiB: memory) }
        let period = try Self.integer(annotations, Self.cpuPeriodAnnotation, allowNegative: false) ?? 0
        let quota = try Self.integer(annotations, Self.cpuQuotaAnnotation, allowNegative: true) ?? 0
        let bytes = try Self.integer(annotations, Self.memoryAnnotation, allowNegative: false) ?? 0
        if quota > 0 && period > 0 {
            let (whole, rest) = quota.quotientAndRemainder(dividingBy: period)
            let added = whole + (rest == 0 ? 0 : 1)
            guard added <= Int64(Self.maximumVCPUs - vcpus) else {
                throw KataError(
                    .invalidConfig,
                    "\(Self.cpuQuotaAnnotation) / \(Self.cpuPeriodAnnotation): \(quota) / \(period) asks for "
                        + "\(added) vCPUs on top of default_vcpus = \(vcpus), more than the \(Self.maximumVCPUs) "
                        + "a QEMU x86_64 guest is given at most")
            }
            vcpus += Int(added)
        }
        let mebibytes = bytes / (1 << 20)
        guard mebibytes <= Int64(Self.maximumMemoryMiB - memory) else {
            throw KataError(
                .invalidConfig,
                "\(Self.memoryAnnotation): \(bytes) bytes on top of default_memory = \(memory) MiB is more "
                    + "than the \(Self.maximumMemoryMiB) MiB (4 TiB) this runtime gives a guest")
        }
        memory += Int(mebibytes)
        return Sizing(vcpus: vcpus, memoryMiB: memory)
    }

    /// A decimal integer annotation: digits with an optional leading '-', nothing else (no
    /// spaces, '+', hex or fractions); nil when absent.
    static func integer(_ annotations: [String: String], _ name: String, allowNegative: Bool) throws -> Int64?
    {
        guard let text = annotations[name] else { return nil }
        let shown = text.count > 40 ? String(text.prefix(40)) + "..." : text
        let digits = text.hasPrefix("-") ? text.dropFirst() : Substring(text)
        guard !digits.isEmpty, digits.utf8.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") })
        else {
            throw KataError(.invalidConfig, "\(name): '\(shown)' is not a decimal integer")
        }
        guard let value = Int64(text) else {
            throw KataError(.invalidConfig, "\(name): '\(shown)' does not fit in 64 bits")
        }
        guard value >= 0 || allowNegative else {
            throw KataError(.invalidConfig, "\(name): \(value) is negative")
        }
        return value
    }
}
