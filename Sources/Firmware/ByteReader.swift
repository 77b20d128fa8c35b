import KataCore

/// Bounds-checked little-endian reads over bytes taken from a file; errors name the file, the
/// structure and the absolute file offset.
public struct ByteReader: Sendable {
    public let bytes: [UInt8]
    /// File the bytes come from, for error messages.
    public let path: String
    /// File offset of `bytes[0]`, so messages point at the right place in the image.
    public let baseOffset: Int

    public init(_ bytes: [UInt8], path: String, baseOffset: Int) {
        self.bytes = bytes
        self.path = path
        self.baseOffset = baseOffset
    }

    public func slice(at offset: Int, count: Int, what: String) throws -> ArraySlice<UInt8> {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw KataError(
                .malformedInput,
                "\(path): \(what) at offset \(baseOffset + offset) needs \(count) bytes, "
                    + "only \(max(0, bytes.count - max(0, offset))) available")
        }
        return bytes[offset..<offset + count]
    }

    public func uint16(at offset: Int, what: String) throws -> UInt16 {
        UInt16(truncatingIfNeeded: littleEndian(try slice(at: offset, count: 2, what: what)))
    }

    public func uint32(at offset: Int, what: String) throws -> UInt32 {
        UInt32(truncatingIfNeeded: littleEndian(try slice(at: offset, count: 4, what: what)))
    }

    public func uint64(at offset: Int, what: String) throws -> UInt64 {
        littleEndian(try slice(at: offset, count: 8, what: what))
    }
}

/// The little-endian value of up to eight bytes (fewer bytes give a smaller value, as
/// `int.from_bytes(entry[:4], "little")` does for a short footer-table entry).
public func littleEndian(_ bytes: some Collection<UInt8>) -> UInt64 {
    var value: UInt64 = 0
    for (shift, byte) in bytes.prefix(8).enumerated() {
        value |= UInt64(byte) << (8 * shift)
    }
    return value
}

/// The range `bytes[start:end]` selects in Python for a sequence of `count` elements: negative
/// indices count from the end, and both ends are clamped. The footer-table walk follows these
/// rules so that it accepts and rejects exactly the images sev-snp-measure does.
func pythonSliceRange(start: Int, end: Int, count: Int) -> Range<Int> {
    func normalise(_ index: Int) -> Int {
        let index = index < 0 ? index + count : index
        return min(max(index, 0), count)
    }
    let lower = normalise(start)
    let upper = normalise(end)
    return lower..<max(lower, upper)
}
