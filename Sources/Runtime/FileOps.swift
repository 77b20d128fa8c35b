import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The few file operations the runtime needs, as plain system calls with errors that name the
/// path.
enum FileOps {
    static func read(_ path: String) throws -> [UInt8] {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else {
            throw errno == ENOENT
                ? KataError(.notFound, "\(path): no such file")
                : KataError.system("open \(path)", errno: errno)
        }
        defer { close(fd) }
        var out: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw KataError.system("read \(path)", errno: errno) }
            if n == 0 { return out }
            out += chunk[0..<n]
        }
    }

    static func writeAtomically(_ path: String, _ bytes: [UInt8]) throws {
        let temp = path + ".tmp"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw KataError.system("open \(temp)", errno: errno) }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else {
                close(fd)
                throw KataError.system("write \(temp)", errno: errno)
            }
            offset += n
        }
        fsync(fd)
        close(fd)
        guard rename(temp, path) == 0 else { throw KataError.system("rename \(temp)", errno: errno) }
    }

    static func makeDirectories(_ path: String, mode: mode_t = 0o711) throws {
        var current = ""
        for part in path.split(separator: "/") {
            current += "/\(part)"
            if mkdir(current, mode) != 0 && errno != EEXIST {
                throw KataError.system("mkdir \(current)", errno: errno)
            }
        }
    }

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
