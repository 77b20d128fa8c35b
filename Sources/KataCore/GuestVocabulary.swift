/// The accelerator a VM actually runs with, once a configuration's `auto` is resolved.
public enum Accelerator: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case kvm
    case tcg
}

/// The confidential-computing technology that protects a guest, once resolved (upstream Kata's
/// `AvailableGuestProtections` names). `none` is an ordinary VM.
public enum GuestProtection: String, Sendable, Equatable, Hashable, Codable, CaseIterable {
    case none
    case sev
    case sevES = "sev-es"
    case snp
    case tdx

    /// True for the hardware technologies (everything but `none`).
    public var isConfidential: Bool { self != .none }
}
