import Host
import KataConfig
import KataCore
import VirtualMachine

/// Which protection a sandbox gets, and the accelerator and launch options that go with it.
///
/// Upstream's rule (Go runtime, `virtcontainers/hypervisor_linux_amd64.go`
/// `availableGuestProtection` and `qemu_amd64.go` `enableProtection`): with
/// `confidential_guest = true` the host decides — TDX when `kvm_intel`'s `tdx` parameter is on,
/// else SEV-SNP when `kvm_amd`'s `sev_snp` is on, and SNP is used only with `sev_snp_guest =
/// true` (otherwise the SNP host runs an SEV guest); nothing available is an error ("This system
/// doesn't support Confidential Computing"). Upstream's current `availableGuestProtection` no
/// longer looks at `kvm_amd`'s `sev` parameter (older versions did, after SNP); this runtime
/// keeps that older step, using `ConfidentialSupport` (module parameter, /dev/sev and the CPUID
/// bit, each named when missing) rather than the parameter alone. Two deliberate differences:
/// `sev_snp_guest = true` means SNP or failure (upstream picks TDX on a TDX host before looking
/// at it, and an older upstream fell to SEV where only SEV was on), and an explicit
/// `guest_protection` must be available exactly as named. The C-bit comes from the host's CPUID
/// as upstream's does (`cpuid.AMDMemEncrypt.CBitPosition`); the reduced physical address bits
/// too, where upstream hard-codes 1 for SNP.
extension LaunchPlanner {
    /// The protection the configuration asks for, resolved against the host, or a refusal that
    /// names what the host lacks.
    func resolveProtection() throws -> GuestProtection {
        let q = configuration.hypervisor
        if let problem = q.protectionProblem { throw KataError(.invalidConfig, problem) }
        let support = host.confidential
        switch q.requestedProtection {
        case .none:
            return .none
        case .auto:
            return try automaticProtection(support)
        case let explicit:
            // .sev, .sevES, .snp, .tdx: protectionProblem already tied them to confidential_guest.
            let protection = explicit.fixed ?? .none
            try require(
                protection, support, because: "hypervisor.qemu.guest_protection = \"\(explicit.rawValue)\"")
            return protection
        }
    }

    /// `confidential_guest = true` without `guest_protection`: upstream's order.
    private func automaticProtection(_ support: ConfidentialSupport) throws -> GuestProtection {
        let q = configuration.hypervisor
        if q.sevSNPGuest {
            try require(.snp, support, because: "hypervisor.qemu.sev_snp_guest = true")
            return .snp
        }
        if support.tdx.available { return .tdx }
        // An SEV policy with the ES bit asks for SEV-ES (upstream folds SEV-ES into its SEV
        // protection the same way, through the policy).
        let amd: GuestProtection = (q.sevPolicy ?? 0) & 0x4 != 0 ? .sevES : .sev
        if self.support(for: amd, support).available { return amd }
        let reasons: [String]
        switch host.cpu.vendor {
        case .intel: reasons = ["TDX: \(support.tdx.reason)"]
        case .amd: reasons = ["\(amd.plannerName): \(self.support(for: amd, support).reason)"]
        case .other:
            reasons = [
                "TDX: \(support.tdx.reason)", "\(amd.plannerName): \(self.support(for: amd, support).reason)",
            ]
        }
        throw KataError(
            .unsupported,
            "hypervisor.qemu.confidential_guest = true: this host offers no confidential guest technology ("
                + reasons.joined(separator: "; ") + "); refusing to start an unprotected VM")
    }

    private func require(_ protection: GuestProtection, _ support: ConfidentialSupport, because key: String)
        throws
    {
        let entry = self.support(for: protection, support)
        guard entry.available else {
            throw KataError(
                .unsupported,
                "\(key): this host cannot launch \(protection.plannerArticleName) guest: \(entry.reason); "
                    + "refusing to fall back to a weaker protection")
        }
    }

    private func support(for protection: GuestProtection, _ support: ConfidentialSupport) -> ProtectionSupport
    {
        switch protection {
        case .sev: support.sev
        case .sevES: support.sevES
        case .snp: support.snp
        case .tdx: support.tdx
        case .none: ProtectionSupport(protection: .none, available: true, reason: "no protection")
        }
    }

    /// A confidential guest runs on KVM only (`accelerator = "tcg"` with one is refused by the
    /// configuration's validation); `auto` otherwise means what `kata-runtime check` says: KVM only
    /// when it is fully usable, TCG under a nested or doubtful KVM. An explicit `kvm` on a host
    /// where no VM can be created is refused rather than left for QEMU to fail.
    func resolveAccelerator(for protection: GuestProtection) throws -> Accelerator {
        let setting = configuration.hypervisor.accelerator
        let usability = host.kvm.usability
        if protection.isConfidential || setting == .kvm {
            guard usability != .unusable else {
                let why =
                    protection.isConfidential
                    ? "\(protection.plannerArticleName) guest needs KVM"
                    : "hypervisor.qemu.accelerator = \"kvm\""
                throw KataError(.unsupported, "\(why), and KVM is unusable here: \(host.kvm.usabilityReason)")
            }
            return .kvm
        }
        return setting.fixed ?? (usability == .usable ? .kvm : .tcg)
    }

    /// The QEMU object a protection is launched with, and the release that brought it upstream.
    static func hypervisorObject(for protection: GuestProtection) -> (type: String, since: String)? {
        switch protection {
        case .none: nil
        case .sev, .sevES: ("sev-guest", "2.12")
        case .snp: ("sev-snp-guest", "9.1")
        case .tdx: ("tdx-guest", "10.1")
        }
    }

    /// Refuses a protection the probed QEMU cannot create (its `-object help` lacks the type).
    /// Skipped when the caller did not probe QEMU or the probe listed no object types.
    func checkHypervisorObject(for protection: GuestProtection) throws {
        guard let object = Self.hypervisorObject(for: protection), let qemu, !qemu.objectTypes.isEmpty,
            !qemu.objectTypes.contains(object.type)
        else { return }
        throw KataError(
            .unsupported,
            "hypervisor.qemu.path: \(qemu.path) (\(qemu.version ?? "unknown version")) cannot create the "
                + "\(object.type) object \(protection.plannerArticleName) guest needs (upstream QEMU has it since "
                + "\(object.since))")
    }

    /// The confidential launch: policies and identities from the configuration, the C-bit and
    /// reduced physical address bits from the host's CPUID (never looked up by the backend).
    func confidentialLaunch(_ protection: GuestProtection) throws -> ConfidentialLaunch? {
        let q = configuration.hypervisor
        switch protection {
        case .none:
            return nil
        case .sev, .sevES:
            let setting: GuestProtectionSetting = protection == .sevES ? .sevES : .sev
            let policy = q.sevPolicy ?? QEMUConfig.defaultSEVPolicy(for: setting)
            return .sev(SEVLaunchOptions(policy: policy, bits: try encryptionBits(protection)))
        case .snp:
            return .snp(
                SNPLaunchOptions(
                    policy: q.snpPolicy, bits: try encryptionBits(protection), idBlock: q.snpIDBlock,
                    idAuth: q.snpIDAuth))
        case .tdx:
            let service: TDXLaunchOptions.QuoteGenerationService =
                switch q.tdx.quoteGenerationEndpoint {
                case .vsock(let cid, let port): .vsock(cid: cid, port: port)
                case .unix(let path): .unix(path: path)
                }
            return .tdx(
                TDXLaunchOptions(
                    mrConfigID: q.tdx.mrConfigID, mrOwner: q.tdx.mrOwner, mrOwnerConfig: q.tdx.mrOwnerConfig,
                    quoteGenerationService: service))
        }
    }

    private func encryptionBits(_ protection: GuestProtection) throws -> EncryptionBits {
        guard let info = host.confidential.memoryEncryption else {
            throw KataError(
                .unsupported,
                "\(protection.plannerArticleName) guest needs the host's C-bit position, and CPUID 0x8000001F "
                    + "reports no memory encryption")
        }
        return EncryptionBits(cBitPosition: info.cBitPosition, reducedPhysBits: info.reducedPhysBits)
    }

    /// What a confidential guest refuses besides its protection: a debug console (a shell into the
    /// guest for whoever holds the host). Hotplug needs no check: the description has no maximum
    /// vCPUs, memory or slots, and sizing is static (`+Sizing`).
    func checkConfidentialRules(_ protection: GuestProtection) throws {
        if configuration.agent.debugConsoleEnabled {
            throw KataError(
                .invalidConfig,
                "agent.kata.debug_console_enabled = true: a debug console opens a shell into the guest "
                    + "for the host, which \(protection.plannerArticleName) guest must not have; set it to false"
            )
        }
    }

    /// The guest CPU model and its feature switches (the backend's spelling). The vCPU model of an
    /// SNP guest is part of its measurement (its CPUID signature), hence the shared constant.
    func cpu(accelerator: Accelerator, protection: GuestProtection) throws -> (
        model: String, features: [String]
    ) {
        let configured = configuration.hypervisor.cpuFeatures.split(separator: ",")
            .map { String($0.filter { !$0.isWhitespace }) }.filter { !$0.isEmpty }
        let fixed: (model: String, features: [String])
        switch protection {
        case .none:
            // Under TCG the default qemu64 model has no RDRAND: the guest then waits seconds for
            // entropy at boot. `max` emulates everything TCG can.
            return (accelerator == .kvm ? "host" : "max", configured)
        case .sev, .sevES: fixed = ("host", ["pmu=off"])
        case .snp: fixed = (SNPLaunchOptions.vcpuModel, ["pmu=off"])
        case .tdx: fixed = ("host", ["-vmx-rdseed-exit", "pmu=off"])
        }
        // Upstream's shipped files set cpu_features = "pmu=off": accepted when it says nothing new.
        if let extra = configured.first(where: { !fixed.features.contains($0) }) {
            throw KataError(
                .invalidConfig,
                "hypervisor.qemu.cpu_features: '\(extra)' cannot be applied to \(protection.plannerArticleName) "
                    + "guest, whose vCPU is fixed (\(fixed.model),\(fixed.features.joined(separator: ","))); "
                    + "leave it empty")
        }
        return fixed
    }
}

extension GuestProtection {
    /// The technology's usual name, for messages.
    var plannerName: String {
        switch self {
        case .none: "unprotected"
        case .sev: "SEV"
        case .sevES: "SEV-ES"
        case .snp: "SEV-SNP"
        case .tdx: "TDX"
        }
    }

    /// "an SEV", "a TDX": the name with its article.
    var plannerArticleName: String { (self == .tdx ? "a " : "an ") + plannerName }
}
