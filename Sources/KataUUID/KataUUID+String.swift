import KataCore

extension KataUUID: CustomStringConvertible, LosslessStringConvertible {
    /// Hyphen offsets of the canonical 8-4-4-4-12 form.
    private static let hyphenPositions: Set<Int> = [8, 13, 18, 23]

    /// Parses the canonical form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`, in any letter case.
    /// Throws `.malformedInput` naming the problem and its position.
    public init(parsing text: String) throws {
        let characters = Array(text.utf8)
        guard characters.count == 36 else {
            throw KataError(
                .malformedInput,
                "UUID \"\(text)\": expected 36 characters in the form 8-4-4-4-12, got \(characters.count)")
        }
        var bytes = [UInt8]()
        bytes.reserveCapacity(16)
        var pendingHigh: UInt8?
        for (position, character) in characters.enumerated() {
            if Self.hyphenPositions.contains(position) {
                guard character == UInt8(ascii: "-") else {
                    throw KataError(
                        .malformedInput, "UUID \"\(text)\": expected '-' at position \(position)")
                }
                continue
            }
            guard let nibble = Hex.value(character) else {
                throw KataError(
                    .malformedInput,
                    "UUID \"\(text)\": invalid hex digit \(Self.quoted(character)) at position \(position)")
            }
            if let high = pendingHigh {
                bytes.append(high << 4 | nibble)
                pendingHigh = nil
            } else {
                pendingHigh = nibble
            }
        }
        self.init(validatedBytes: bytes)
    }

    /// Failable parse for `LosslessStringConvertible`; prefer `init(parsing:)` for the reason.
    public init?(_ description: String) {
        guard let parsed = try? KataUUID(parsing: description) else { return nil }
        self = parsed
    }

    /// The lowercase canonical form.
    public var description: String {
        let hex = Hex.encode(bytes)
        // Hyphens after bytes 4, 6, 8 and 10: digit offsets 8, 12, 16 and 20.
        return [
            hex.prefix(8), hex.dropFirst(8).prefix(4), hex.dropFirst(12).prefix(4),
            hex.dropFirst(16).prefix(4), hex.dropFirst(20),
        ].joined(separator: "-")
    }

    private static func quoted(_ byte: UInt8) -> String {
        (0x20..<0x7F).contains(byte)
            ? "'\(Character(UnicodeScalar(byte)))'" : "byte 0x\(String(byte, radix: 16))"
    }
}

extension KataUUID: Codable {
    /// Encoded as its canonical string, as OCI and Kata JSON carry UUIDs.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        self = try KataUUID(parsing: container.decode(String.self))
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
