import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Small sysfs/procfs reads and writes (one short value each).
func readText(_ path: String) throws -> String {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw KataError.system("open \(path)", errno: errno) }
    defer { close(fd) }
    var bytes = [UInt8](repeating: 0, count: 4096)
    let n = bytes.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
    guard n >= 0 else { throw KataError.system("read \(path)", errno: errno) }
    var text = Substring(String(decoding: bytes[0..<n], as: UTF8.self))
    while text.last == "\n" { text = text.dropLast() }
    return String(text)
}

func writeText(_ path: String, _ value: String) throws {
    let fd = open(path, O_WRONLY | O_CLOEXEC)
    guard fd >= 0 else { throw KataError.system("open \(path)", errno: errno) }
    defer { close(fd) }
    let bytes = Array(value.utf8)
    guard write(fd, bytes, bytes.count) == bytes.count else {
        throw KataError.system("write \"\(value)\" to \(path)", errno: errno)
    }
}

/// The names in a directory, sorted; empty when it cannot be read (sysfs lists are optional).
func listDirectory(_ path: String) -> [String] {
    ((try? directoryEntries(path)) ?? []).sorted()
}
