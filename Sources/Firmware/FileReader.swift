import KataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A read-only open file with bounds-checked positional reads and chunked streaming.
///
/// `@unchecked Sendable`: the descriptor is immutable and only used with `pread`, which keeps no
/// shared file offset, so concurrent readers cannot disturb each other.
public final class FileReader: @unchecked Sendable {
    /// 1 MiB: large enough that syscall overhead vanishes next to hashing (measured: no gain
    /// from 2 or 4 MiB), small enough that concurrent hashes add little to peak RSS.
    public static let defaultChunkSize = 1 << 20

    public let path: String
    public let size: Int
    private let descriptor: Int32

    public init(path: String) throws {
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else {
            let code = errno
            throw KataError(code == ENOENT ? .notFound : .system, "\(path): \(errnoDescription(code))")
        }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else {
            let code = errno
            close(descriptor)
            throw KataError.system("\(path): fstat", errno: code)
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            close(descriptor)
            throw KataError(.invalidArgument, "\(path): not a regular file")
        }
        self.path = path
        self.size = Int(status.st_size)
        self.descriptor = descriptor
        #if os(Linux)
            _ = posix_fadvise(descriptor, 0, 0, POSIX_FADV_SEQUENTIAL)
        #endif
    }

    deinit { close(descriptor) }

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
