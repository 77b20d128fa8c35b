import KataCore

extension KataUUID {
    /// Creates a UUID from the 16-byte UEFI GUID layout, in which the first three fields
    /// (4, 2 and 2 bytes) are little-endian and the last 8 bytes are in order.
    public init(guidBytes: some Collection<UInt8>) throws {
        let array = Array(guidBytes)
        guard array.count == 16 else {
            throw KataError(.malformedInput, "GUID bytes: expected 16 bytes, got \(array.count)")
        }
        self.init(validatedBytes: Self.swapGUIDFields(array))
    }

    /// The bytes in UEFI GUID layout (first three fields little-endian), as firmware tables
    /// such as the OVMF footer store them.
    public var guidBytes: [UInt8] { Self.swapGUIDFields(bytes) }

    /// Reverses the first three fields; the same swap converts in both directions.
    private static func swapGUIDFields(_ input: [UInt8]) -> [UInt8] {
        var output = input
        output[0..<4] = ArraySlice(input[0..<4].reversed())
        output[4..<6] = ArraySlice(input[4..<6].reversed())
        output[6..<8] = ArraySlice(input[6..<8].reversed())
        return output
    }
}
