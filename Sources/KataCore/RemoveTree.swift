#if canImport(Glibc)
    import Glibc
#endif

/// `rm -rf path` for directories the runtime made, without following symlinks and without
/// crossing into another filesystem: a mount point inside is left alone, so a mount that was
/// not undone never loses its contents. Every step below `path` is opened relative to its
/// parent with O_NOFOLLOW, so a directory swapped for a symlink meanwhile (a guest writing into
/// a shared directory) is removed as a link, never followed. Returns true when `path` is gone.
@discardableResult
public func removeTree(_ path: String) -> Bool {
    var info = stat()
    guard lstat(path, &info) == 0 else { return true }
    guard (info.st_mode & S_IFMT) == S_IFDIR else { return unlink(path) == 0 || errno == ENOENT }
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { return unlink(path) == 0 || errno == ENOENT }
    removeContents(of: fd, device: info.st_dev)
    close(fd)
    return rmdir(path) == 0 || errno == ENOENT
}

/// Empties the directory open at `fd` (which stays open), staying on `device`.
private func removeContents(of fd: Int32, device: dev_t) {
    let copy = dup(fd)
    guard copy >= 0, let dir = fdopendir(copy) else { return }
    defer { closedir(dir) }
    var names: [String] = []
    while let entry = readdir(dir) {
        let name = withUnsafeBytes(of: entry.pointee.d_name) {
            String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
        }
        if name != "." && name != ".." { names.append(name) }
    }
    for name in names {
        var info = stat()
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0, info.st_dev == device else { continue }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if child >= 0 {
                var childInfo = stat()
                // Still the directory seen above (not a mount placed on it meanwhile).
                if fstat(child, &childInfo) == 0 && childInfo.st_dev == device {
                    removeContents(of: child, device: device)
                }
                close(child)
                if unlinkat(fd, name, AT_REMOVEDIR) == 0 { continue }
            }
        }
        _ = unlinkat(fd, name, 0)
    }
}
