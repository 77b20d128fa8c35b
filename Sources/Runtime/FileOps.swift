import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The few file operations the runtime needs, as plain system calls with errors that name the
/// path.
enum FileOps {
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

    static func exists(_ path: String) -> Bool { access(path, F_OK) == 0 }
}
