import KataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A measurement input opened for reading: a regular file (size known, positional reads) or a
/// stream (character device, pipe, FIFO, socket) that is read once until end of file.
/// Directories are refused, as Python's `open` refuses them.
struct InputFile {
    let path: String
    let descriptor: Int32
    let isRegular: Bool
    /// The regular file's size; 0 for a stream.
    let size: Int

    /// Opens `path`; the caller owns (closes) `descriptor`. Opening a FIFO waits for its writer.
    init(path: String) throws {
        var descriptor: Int32
        repeat { descriptor = open(path, O_RDONLY | O_CLOEXEC) } while descriptor < 0 && errno == EINTR
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
        let type = status.st_mode & S_IFMT
        guard type != S_IFDIR else {
            close(descriptor)
            throw KataError(.invalidArgument, "\(path): is a directory, not a file")
        }
        self.path = path
        self.descriptor = descriptor
        self.isRegular = type == S_IFREG
        self.size = isRegular ? Int(status.st_size) : 0
    }

    /// Reads the stream to its end in chunks of at most `chunkSize` bytes.
    func readStream(chunkSize: Int, _ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, chunkSize), alignment: 64)
        defer { buffer.deallocate() }
        while true {
            let got = read(descriptor, buffer.baseAddress, buffer.count)
            if got < 0 {
                if errno == EINTR { continue }
                throw KataError.system("\(path): read", errno: errno)
            }
            if got == 0 { return }
            try body(UnsafeRawBufferPointer(rebasing: buffer[0..<got]))
        }
    }
}

extension DigestAlgorithm {
    /// Digest of everything `path` yields: a regular file in chunks, a pipe or device streamed to
    /// its end without buffering it (kernels and initrds can be hundreds of MiB).
    public func hash(contentsOf path: String, chunkSize: Int = FileReader.defaultChunkSize) throws -> [UInt8]
    {
        let input = try InputFile(path: path)
        if input.isRegular {
            close(input.descriptor)
            return try hash(file: FileReader(path: path), chunkSize: chunkSize)
        }
        defer { close(input.descriptor) }
        let digest = StreamingDigest(self)
        try input.readStream(chunkSize: chunkSize) { digest.update($0) }
        return digest.finalize()
    }
}
