import Firmware
import KataCore

/// One measured event: the register it extends, a name (Trustee's reference-value name where
/// one exists: `tdvfkernel`, `tdvfkernelparams`), its TCG event type and its SHA-384 digest.
public struct RTMREvent: Sendable, Equatable, Codable {
    /// "rtmr_0" ... "rtmr_3", as Trustee names the registers.
    public var register: String
    public var name: String
    public var type: String
    /// Lower-case hex.
    public var digest: String

    public init(register: Int, name: String, type: String, digest: [UInt8]) {
        self.register = "rtmr_\(register)"
        self.name = name
        self.type = type
        self.digest = hexString(digest)
    }
}

/// A TDX run-time measurement register: 48 zero bytes at TD start, then for every event
/// `value = SHA-384(value || event digest)` (TDG.MR.RTMR.EXTEND).
public struct RTMR: Sendable, Equatable {
    public private(set) var value = [UInt8](repeating: 0, count: 48)

    public init() {}

    public mutating func extend(_ digest: [UInt8]) {
        precondition(digest.count == 48, "an RTMR is extended with a SHA-384 digest")
        value = DigestAlgorithm.sha384.hash(value + digest)
    }
}
