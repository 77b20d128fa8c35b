import KataCore

/// A 128-bit universally unique identifier (RFC 4122). Stored in RFC (big-endian) byte order;
/// `guidBytes` gives the mixed-endian layout that UEFI firmware tables use.
public struct KataUUID: Sendable, Hashable, Comparable {
    /// The 16 bytes in RFC 4122 network (big-endian) order. Always exactly 16 long.
    public let bytes: [UInt8]

    /// The all-zero ("nil") UUID.
    public static let zero = KataUUID(validatedBytes: [UInt8](repeating: 0, count: 16))

    /// Creates a UUID from 16 bytes in RFC 4122 (big-endian) order.
    public init(bytes: some Collection<UInt8>) throws {
        let array = Array(bytes)
        guard array.count == 16 else {
            throw KataError(.malformedInput, "UUID bytes: expected 16 bytes, got \(array.count)")
        }
        self.bytes = array
    }

    init(validatedBytes: [UInt8]) {
        precondition(validatedBytes.count == 16, "KataUUID storage must be 16 bytes")
        bytes = validatedBytes
    }

    /// The RFC 4122 version (bits 4-7 of byte 6): 4 for random UUIDs.
    public var version: Int { Int(bytes[6] >> 4) }

    /// The variant field (top bits of byte 8).
    public var variant: Variant {
        let octet = bytes[8]
        if octet & 0x80 == 0 { return .ncs }
        if octet & 0xC0 == 0x80 { return .rfc4122 }
        if octet & 0xE0 == 0xC0 { return .microsoft }
        return .future
    }

    public enum Variant: Sendable, Equatable {
        case ncs, rfc4122, microsoft, future
    }

    public static func < (lhs: KataUUID, rhs: KataUUID) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}
