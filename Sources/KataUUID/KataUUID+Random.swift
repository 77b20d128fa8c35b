extension KataUUID {
    /// A version 4 (random) UUID from the system's cryptographic random source.
    public static func random() -> KataUUID {
        var generator = SystemRandomNumberGenerator()
        return random(using: &generator)
    }

    /// A version 4 (random) UUID drawing its 122 random bits from `generator`, so tests can
    /// seed or replace the source.
    public static func random(using generator: inout some RandomNumberGenerator) -> KataUUID {
        var bytes = [UInt8](repeating: 0, count: 16)
        for half in 0..<2 {
            let word = generator.next() as UInt64
            for index in 0..<8 {
                bytes[half * 8 + index] = UInt8(truncatingIfNeeded: word >> (UInt64(index) * 8))
            }
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x40  // version 4
        bytes[8] = (bytes[8] & 0x3F) | 0x80  // RFC 4122 variant (binary 10)
        return KataUUID(validatedBytes: bytes)
    }
}
