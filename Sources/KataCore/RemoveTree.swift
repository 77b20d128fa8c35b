import CKataSys

#if canImport(Glibc)
    import Glibc
#endif

/// `rm -rf path` for directories the runtime made, without following symlinks and without
/// crossing into another mount: a mount point inside (a bind mount of the same filesystem
/// included) is left alone, so a mount that was not undone never loses its contents. Every
/// step below `path` is opened relative to its parent with O_NOFOLLOW, so a directory swapped
/// for a symlink meanwhile (a guest writing into a shared directory) is removed as a link,
/// never followed. Returns true when `path` is gone.
@discardableResult
public func removeTree(_ path: String) -> Bool {
    var info = stat()
    guard lstat(path, &info) == 0 else { return true }
    guard (info.st_mode & S_IFMT) == S_IFDIR else { return unlink(path) == 0 || errno == ENOENT }
    let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
    guard fd >= 0 else { return unlink(path) == 0 || errno == ENOENT }
    if let mount = MountIdentity(fd, "", info) { removeContents(of: fd, staying: mount) }
    close(fd)
    return rmdir(path) == 0 || errno == ENOENT
}

/// Which mount an entry lies on: the kernel's mount id (distinguishes bind mounts of one
/// filesystem), with the device number as well for kernels without STATX_MNT_ID.
struct MountIdentity: Equatable {
    let device: dev_t
    let mountID: UInt64?

    init?(_ directory: Int32, _ name: String, _ info: stat) {
        var id: UInt64 = 0
        let result = ckata_mount_id_at(directory, name, &id)
        if result != 0 && result != -ENOSYS { return nil }
        device = info.st_dev
        mountID = result == 0 ? id : nil
    }
}

/// Empties the directory open at `fd` (which stays open), staying on `mount`.
private func removeContents(of fd: Int32, staying mount: MountIdentity) {
    // An unreadable directory is left as it is; removing it then fails and says so.
    for name in (try? directoryEntries(descriptor: fd)) ?? [] {
        var info = stat()
        guard fstatat(fd, name, &info, AT_SYMLINK_NOFOLLOW) == 0, MountIdentity(fd, name, info) == mount
        else { continue }
        if (info.st_mode & S_IFMT) == S_IFDIR {
            let child = openat(fd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            if child >= 0 {
                var childInfo = stat()
                // Still the directory seen above (not a mount placed on it meanwhile).
                if fstat(child, &childInfo) == 0 && MountIdentity(child, "", childInfo) == mount {
                    removeContents(of: child, staying: mount)
                }
                close(child)
                if unlinkat(fd, name, AT_REMOVEDIR) == 0 { continue }
            }
        }
        _ = unlinkat(fd, name, 0)
    }
}
