#if canImport(Glibc)
    import Glibc
#endif

/// The names in a directory, without "." and "..", in the order the kernel gives them.
/// A missing directory is `.notFound`; other failures are `.system` with the errno text.
public func directoryEntries(_ path: String) throws -> [String] {
    guard let directory = opendir(path) else {
        if errno == ENOENT { throw KataError(.notFound, "\(path): no such directory") }
        throw KataError.system("opendir \(path)", errno: errno)
    }
    defer { closedir(directory) }
    return names(in: directory)
}

/// The names in the directory open at `descriptor`, which stays open (a duplicate is read).
/// A descriptor that cannot be read as a directory is `.system` with the errno text.
public func directoryEntries(descriptor: Int32) throws -> [String] {
    let copy = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
    guard copy >= 0 else { throw KataError.system("dup directory descriptor \(descriptor)", errno: errno) }
    guard let directory = fdopendir(copy) else {
        let code = errno
        close(copy)
        throw KataError.system("fdopendir \(descriptor)", errno: code)
    }
    defer { closedir(directory) }
    rewinddir(directory)  // the duplicate shares the offset of a descriptor read before
    return names(in: directory)
}

private func names(in directory: OpaquePointer) -> [String] {
    var names: [String] = []
    while let entry = readdir(directory) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    return names
}
