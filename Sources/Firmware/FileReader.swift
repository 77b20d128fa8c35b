import KataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only input with bounds-checked positional reads and chunked streaming.
///
/// A regular file is read in place with `pread`. Anything else sev-snp-measure accepts, such as
/// `/dev/null` or a pipe (`<(...)`, `/dev/fd/N`, a FIFO), has no size up front and cannot be
/// read twice: it is read to its end once, into memory, up to `maximumStreamedSize`.
///
/// `@unchecked Sendable`: the descriptor and the bytes are immutable and the descriptor is only
/// used with `pread`, which keeps no shared file offset, so concurrent readers cannot disturb
/// each other.
public final class FileReader: @unchecked Sendable {
    /// 1 MiB: large enough that syscall overhead vanishes next to hashing (measured: no gain
    /// from 2 or 4 MiB), small enough that concurrent hashes add little to peak RSS.
    public static let defaultChunkSize = 1 << 20
    /// Firmware images are a few MiB; a stream longer than this is refused rather than buffered.
    public static let maximumStreamedSize = 256 << 20

    public let path: String
    public let size: Int
    private let descriptor: Int32
    /// The whole input, when it is not a regular file.
    private let streamed: [UInt8]?

    public init(path: String, maximumStreamedSize: Int = FileReader.maximumStreamedSize) throws {
        let input = try InputFile(path: path)
        self.path = path
        if input.isRegular {
            self.size = input.size
            self.descriptor = input.descriptor
            self.streamed = nil
            #if os(Linux)
                _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
            #endif
        } else {
            defer { close(input.descriptor) }
            var bytes: [UInt8] = []
            try input.readStream(chunkSize: Self.defaultChunkSize) { chunk in
                guard chunk.count <= maximumStreamedSize - bytes.count else {
                    throw KataError(
                        .invalidArgument,
                        "\(path): stream longer than \(maximumStreamedSize) bytes; pass a regular file")
                }
                bytes.append(contentsOf: chunk)
            }
            self.size = bytes.count
            self.descriptor = -1
            self.streamed = bytes
        }
    }

    deinit { if descriptor >= 0 { close(descriptor) } }

    /// Reads exactly `count` bytes at `offset`; `what` names the structure for the error message.
    public func read(at offset: Int, count: Int, what: String) throws -> [UInt8] {
        guard offset >= 0, count >= 0, offset <= size, count <= size - offset else {
            throw KataError(
                .malformedInput,
                "\(path): \(what) at offset \(offset) (\(count) bytes) lies outside the \(size)-byte file")
        }
        var bytes = [UInt8](repeating: 0, count: count)
        try bytes.withUnsafeMutableBytes { try readFully(into: $0, at: offset) }
        return bytes
    }

    /// Calls `body` with consecutive chunks of `range` (default: the whole file), reusing one buffer.
    public func forEachChunk(
        in range: Range<Int>? = nil, chunkSize: Int = defaultChunkSize,
        _ body: (UnsafeRawBufferPointer) throws -> Void
    ) throws {
        let range = range ?? 0..<size
        guard range.lowerBound >= 0, range.upperBound <= size else {
            throw KataError(.malformedInput, "\(path): range \(range) lies outside the \(size)-byte file")
        }
        let buffer = UnsafeMutableRawBufferPointer.allocate(
            byteCount: max(1, min(chunkSize, range.count)), alignment: 64)
        defer { buffer.deallocate() }
        var offset = range.lowerBound
        while offset < range.upperBound {
            let count = min(buffer.count, range.upperBound - offset)
            let chunk = UnsafeMutableRawBufferPointer(rebasing: buffer[0..<count])
            try readFully(into: chunk, at: offset)
            try body(UnsafeRawBufferPointer(chunk))
            offset += count
        }
    }

    private func readFully(into buffer: UnsafeMutableRawBufferPointer, at offset: Int) throws {
        if let streamed {
            // Callers checked the range against `size`, which is `streamed.count`.
            streamed.withUnsafeBytes {
                buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: $0[offset..<offset + buffer.count]))
            }
            return
        }
        var done = 0
        while done < buffer.count {
            let got = pread(descriptor, buffer.baseAddress! + done, buffer.count - done, off_t(offset + done))
            if got < 0 {
                if errno == EINTR { continue }
                throw KataError.system("\(path): read at offset \(offset + done)", errno: errno)
            }
            guard got > 0 else {
                throw KataError(
                    .malformedInput, "\(path): file shrank while being read (EOF at offset \(offset + done))")
            }
            done += got
        }
    }
}
