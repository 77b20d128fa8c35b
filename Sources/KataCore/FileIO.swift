#if canImport(Glibc)
    import Glibc
#endif

/// Whole-file reads and writes with plain system calls (the guest agent avoids full Foundation).
/// A missing file is `.notFound`; other failures are `.system` with the errno text.
public func readFileBytes(_ path: String) throws -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else {
        throw errno == ENOENT
            ? KataError(.notFound, "\(path): no such file") : KataError.system("open \(path)", errno: errno)
    }
    defer { close(fd) }
    var result: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 64 << 10)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n >= 0 else { throw KataError.system("read \(path)", errno: errno) }
        if n == 0 { return result }
        result += chunk[0..<n]
    }
}

public func readTextFile(_ path: String) throws -> String {
    String(decoding: try readFileBytes(path), as: UTF8.self)
}

/// Writes `bytes` to `path` (created or truncated) with `mode`.
public func writeFile(_ path: String, _ bytes: [UInt8], mode: mode_t = 0o644) throws {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode)
    guard fd >= 0 else { throw KataError.system("open \(path)", errno: errno) }
    defer { close(fd) }
    var offset = 0
    while offset < bytes.count {
        let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { throw KataError.system("write \(path)", errno: errno) }
        offset += n
    }
}

/// mkdir -p.
public func makeDirectories(_ path: String, mode: mode_t = 0o755) throws {
    var current = path.hasPrefix("/") ? "" : "."
    for part in path.split(separator: "/") {
        current += "/\(part)"
        if mkdir(current, mode) != 0 && errno != EEXIST {
            throw KataError.system("mkdir \(current)", errno: errno)
        }
    }
}
