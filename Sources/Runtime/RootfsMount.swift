import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// One filesystem containerd hands the shim for a container's root (from the Create request):
/// typically an overlay from the snapshotter, or a bind mount.
public struct RootfsMount: Sendable, Equatable, Codable {
    public var type: String
    public var source: String
    public var options: [String]

    public init(type: String, source: String, options: [String]) {
        self.type = type
        self.source = source
        self.options = options
    }

    /// mount(2) flags and the data string for `options`, as mount(8) splits them.
    var flagsAndData: (flags: UInt, data: String) {
        var flags: UInt = 0
        var data: [String] = []
        for option in options {
            switch option {
            case "ro": flags |= UInt(MS_RDONLY)
            case "rw": break
            case "nosuid": flags |= UInt(MS_NOSUID)
            case "nodev": flags |= UInt(MS_NODEV)
            case "noexec": flags |= UInt(MS_NOEXEC)
            case "bind": flags |= UInt(MS_BIND)
            case "rbind": flags |= UInt(MS_BIND | MS_REC)
            default: data.append(option)
            }
        }
        if type == "bind" { flags |= UInt(MS_BIND) }
        return (flags, data.joined(separator: ","))
    }

    /// Mounts this filesystem at `target` (created if missing), never through a symlink.
    public func mount(at target: ShareTarget) throws {
        let (flags, data) = flagsAndData
        let isBind = flags & UInt(MS_BIND) != 0
        try target.withDirectory(create: true) { path in
            let rc = Glibc.mount(
                source, path, isBind ? nil : type, isBind ? flags & ~UInt(MS_RDONLY) : flags,
                data.isEmpty ? nil : data)
            guard rc == 0 else {
                throw KataError.system(
                    "mount \(type) \(source) on \(target) (options \(options))", errno: errno)
            }
        }
        // A bind mount ignores MS_RDONLY until remounted; reopening reaches the new mount.
        if isBind && flags & UInt(MS_RDONLY) != 0 {
            do {
                try target.withDirectory(create: false) { path in
                    if Glibc.mount(nil, path, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) != 0 {
                        throw KataError.system("remount \(target) read-only", errno: errno)
                    }
                }
            } catch {
                try? Self.unmount(target)
                throw error
            }
        }
    }

    /// Detaches whatever is mounted at `target`; a path with nothing mounted is fine. The last
    /// step is never followed (UMOUNT_NOFOLLOW), the others were opened without following.
    public static func unmount(_ target: ShareTarget) throws {
        do {
            try target.withLastStep { path in
                if umount2(path, Int32(MNT_DETACH) | Int32(UMOUNT_NOFOLLOW)) != 0 && errno != EINVAL
                    && errno != ENOENT
                {
                    throw KataError.system("unmount \(target)", errno: errno)
                }
            }
        } catch let error as KataError where error.code == .notFound {
            return  // no such directory: nothing is mounted there
        }
    }
}
