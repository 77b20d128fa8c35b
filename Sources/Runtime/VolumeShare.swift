import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A host file or directory a container's spec binds, made visible under the sandbox's share
/// (virtio-9p) by a bind mount of its own. The source's last component is opened with
/// O_NOFOLLOW (a symlink there is refused, never followed) and the bind takes that opened
/// object; the mount point is created and opened below the share without following symlinks
/// (the guest can write the share). A read-only volume is remounted read-only on the host, so
/// the guest cannot write through 9p; it is bound without its submounts, which would otherwise
/// stay writable.
enum VolumeShare {
    /// O_PATH, which Swift's Glibc module hides (it is imported without _GNU_SOURCE).
    static let pathOnly: Int32 = 0o10_000_000

    static func bind(source: String, at target: ShareTarget, readOnly: Bool) throws {
        let sourceFD = open(source, pathOnly | O_NOFOLLOW | O_CLOEXEC)
        guard sourceFD >= 0 else {
            let code = errno
            throw code == ELOOP
                ? KataError(.invalidArgument, "volume source \(source) is a symlink (refused, not followed)")
                : KataError.system("volume source \(source)", errno: code)
        }
        defer { close(sourceFD) }
        var info = stat()
        guard fstat(sourceFD, &info) == 0 else { throw KataError.system("stat \(source)", errno: errno) }
        let isDirectory = info.st_mode & S_IFMT == S_IFDIR
        guard isDirectory || info.st_mode & S_IFMT == S_IFREG else {
            throw KataError(
                .invalidArgument, "volume source \(source): only directories and regular files can be shared")
        }
        let parent = try ShareTarget(root: target.root, components: Array(target.components.dropLast()))
        let name = target.components[target.components.count - 1]
        try parent.withDirectory(create: true) { parentPath in
            let point = "\(parentPath)/\(name)"
            let made =
                isDirectory
                ? mkdir(point, 0o755)
                : open(point, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0o644)
            guard made >= 0 || errno == EEXIST else {
                throw KataError.system("create \(target)", errno: errno)
            }
            if !isDirectory && made >= 0 { close(made) }
            let flags = UInt(MS_BIND) | (readOnly ? 0 : UInt(MS_REC))
            try withOpened(point, target) { pointPath in
                guard mount("/proc/self/fd/\(sourceFD)", pointPath, nil, flags, nil) == 0 else {
                    throw KataError.system("bind \(source) on \(target)", errno: errno)
                }
            }
            guard readOnly else { return }
            do {
                // Reopened: the new descriptor reaches the mount just made, not the mount point.
                try withOpened(point, target) { pointPath in
                    let remount = UInt(MS_REMOUNT | MS_BIND | MS_RDONLY)
                    guard mount(nil, pointPath, nil, remount, nil) == 0 else {
                        throw KataError.system("remount \(target) read-only", errno: errno)
                    }
                }
            } catch {
                _ = umount2(point, Int32(MNT_DETACH) | Int32(UMOUNT_NOFOLLOW))
                throw error
            }
        }
    }

    /// Runs `body` with a /proc/self/fd path of `point` opened without following a symlink.
    private static func withOpened(_ point: String, _ target: ShareTarget, _ body: (String) throws -> Void)
        throws
    {
        let fd = open(point, pathOnly | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw KataError.system("open \(target)", errno: errno) }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0, info.st_mode & S_IFMT != S_IFLNK else {
            throw KataError(.invalidArgument, "\(target): a symlink (refused, not followed)")
        }
        try body("/proc/self/fd/\(fd)")
    }
}
