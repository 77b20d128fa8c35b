#if canImport(Glibc)
    import Glibc
#endif

/// `rm -rf path` for directories the runtime made, without following symlinks and without
/// crossing into another filesystem: a mount point inside is left alone, so a mount that was
/// not undone never loses its contents. Returns true when `path` is gone afterwards.
@discardableResult
public func removeTree(_ path: String) -> Bool {
    var info = stat()
    guard lstat(path, &info) == 0 else { return true }
    if (info.st_mode & S_IFMT) == S_IFDIR {
        if let dir = opendir(path) {
            while let entry = readdir(dir) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) {
                    String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
                }
                guard name != "." && name != ".." else { continue }
                let child = "\(path)/\(name)"
                var childInfo = stat()
                if lstat(child, &childInfo) == 0 && childInfo.st_dev != info.st_dev { continue }
                removeTree(child)
            }
            closedir(dir)
        }
        return rmdir(path) == 0 || errno == ENOENT
    }
    return unlink(path) == 0 || errno == ENOENT
}
