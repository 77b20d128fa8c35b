import KataCore

/// Whether one confidential technology can be used here, with the evidence either way.
public struct ProtectionSupport: Sendable, Equatable, Codable {
    public var protection: GuestProtection
    public var available: Bool
    /// What was found, or what is missing, e.g. "kvm_amd parameter sev_snp is N".
    public var reason: String

    public init(protection: GuestProtection, available: Bool, reason: String) {
        self.protection = protection
        self.available = available
        self.reason = reason
    }
}
