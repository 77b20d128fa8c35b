import KataCore

/// `[hypervisor.qemu] accelerator`: which accelerator runs the guest; the launch planner resolves
/// `auto` to a KataCore `Accelerator`.
public enum AcceleratorSetting: String, Sendable, CaseIterable, Equatable {
    case kvm
    case tcg
    /// KVM when the host can create a VM with it, otherwise TCG.
    case auto
}

/// `[hypervisor.qemu] agent_transport`: how the runtime reaches the guest agent.
public enum AgentTransport: String, Sendable, CaseIterable, Equatable {
    case vsock
    /// A virtio-serial port backed by a QEMU unix-socket chardev (works without vhost-vsock).
    case virtioSerial = "virtio-serial"
    /// vsock when the host has /dev/vhost-vsock, otherwise virtio-serial.
    case auto
}

/// `[hypervisor.qemu] guest_protection`: which confidential-computing technology protects the guest;
/// the launch planner resolves `auto` to a KataCore `GuestProtection` or refuses.
public enum GuestProtectionSetting: String, Sendable, CaseIterable, Equatable {
    case none
    case sev
    case sevES = "sev-es"
    case snp
    case tdx
    /// Upstream behaviour: none unless `confidential_guest = true`, then the strongest the host
    /// offers (SNP only when `sev_snp_guest = true`).
    case auto

    /// True for the values that name a hardware technology.
    public var isHardwareProtection: Bool {
        switch self {
        case .sev, .sevES, .snp, .tdx: true
        case .none, .auto: false
        }
    }
}

extension GuestProtectionSetting {
    /// The resolved protection this setting names, or nil for `auto`.
    public var fixed: GuestProtection? {
        switch self {
        case .none: GuestProtection.none
        case .sev: .sev
        case .sevES: .sevES
        case .snp: .snp
        case .tdx: .tdx
        case .auto: nil
        }
    }
}

extension AcceleratorSetting {
    /// The resolved accelerator this setting names, or nil for `auto`.
    public var fixed: Accelerator? {
        switch self {
        case .kvm: .kvm
        case .tcg: .tcg
        case .auto: nil
        }
    }
}
