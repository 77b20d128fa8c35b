import KataCore

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// The few file operations the loader needs, on POSIX calls so that every failure carries the
/// path and the errno text.
enum FileSystem {
    /// Configuration files are small; a larger "file" is a mistake (e.g. a device node).
    static let maximumConfigSize = 4 << 20

    /// True when `path` names something `stat` can see (following symlinks).
    static func exists(_ path: String) -> Bool {
        var info = stat()
        return stat(path, &info) == 0
    }

    /// Reads a whole regular file as UTF-8 text.
    static func readText(_ path: String) throws -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw KataError(.invalidConfig, "\(path): cannot open: \(errnoDescription(errno))")
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            throw KataError(.invalidConfig, "\(path): cannot stat: \(errnoDescription(errno))")
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            throw KataError(.invalidConfig, "\(path): not a regular file")
        }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        while true {
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count < 0 {
                if errno == EINTR { continue }
                throw KataError(.invalidConfig, "\(path): cannot read: \(errnoDescription(errno))")
            }
            if count == 0 { break }
            bytes.append(contentsOf: chunk[0..<count])
            guard bytes.count <= maximumConfigSize else {
                throw KataError(.invalidConfig, "\(path): larger than \(maximumConfigSize) bytes")
            }
        }
        guard let text = String(validating: bytes, as: UTF8.self) else {
            throw KataError(.invalidConfig, "\(path): not valid UTF-8 text")
        }
        return text
    }

    /// Names in a directory (without "." and ".."), or nil when the directory does not exist.
    static func directoryEntries(_ path: String) throws -> [String]? {
        do {
            return try KataCore.directoryEntries(path)
        } catch let error as KataError where error.code == .notFound {
            return nil
        } catch let error as KataError {
            throw KataError(.invalidConfig, "cannot list a configuration directory: \(error.message)")
        }
    }
}
