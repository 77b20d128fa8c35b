import KataCore

/// A file read with some bytes replaced, as a loader hands a patched copy of it to firmware
/// (QEMU rewrites a few setup-header fields of a Linux kernel before OVMF measures it).
/// The file itself is never written.
public struct PatchedFile: Sendable {
    public let file: FileReader
    /// File offset → replacement byte; offsets past the end are refused when the patch is made.
    public let patches: [Int: UInt8]

    public init(_ file: FileReader, patches: [Int: UInt8] = [:]) throws {
        if let outside = patches.keys.first(where: { $0 < 0 || $0 >= file.size }) {
            throw KataError(
                .malformedInput,
                "\(file.path): patch at offset \(outside) lies outside the \(file.size)-byte file")
        }
        self.file = file
        self.patches = patches
    }

    public var path: String { file.path }
    public var size: Int { file.size }

    public func read(at offset: Int, count: Int, what: String) throws -> [UInt8] {
        var bytes = try file.read(at: offset, count: count, what: what)
        for (position, byte) in patches where position >= offset && position < offset + count {
            bytes[position - offset] = byte
        }
        return bytes
    }

    /// Feeds `range` to `body` in chunks, patched bytes included.
    public func forEachChunk(in range: Range<Int>, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let touching = patches.filter { range.contains($0.key) }
        guard !touching.isEmpty else { return try file.forEachChunk(in: range, body) }
        var offset = range.lowerBound
        try file.forEachChunk(in: range) { chunk in
            let span = offset..<offset + chunk.count
            defer { offset += chunk.count }
            guard touching.keys.contains(where: span.contains) else { return try body(chunk) }
            var copy = [UInt8](chunk)
            for (position, byte) in touching where span.contains(position) {
                copy[position - span.lowerBound] = byte
            }
            try copy.withUnsafeBytes { try body($0) }
        }
    }
}
