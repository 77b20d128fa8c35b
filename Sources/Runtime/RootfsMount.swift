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

    /// Mounts this filesystem at `target` (created if missing).
    public func mount(at target: String) throws {
        try makeDirectories(target, mode: 0o755)
        let (flags, data) = flagsAndData
        let isBind = flags & UInt(MS_BIND) != 0
        let rc = Glibc.mount(
            source, target, isBind ? nil : type, isBind ? flags & ~UInt(MS_RDONLY) : flags,
            data.isEmpty ? nil : data)
        guard rc == 0 else {
            throw KataError.system("mount \(type) \(source) on \(target) (options \(options))", errno: errno)
        }
        // A bind mount ignores MS_RDONLY until remounted.
        if isBind && flags & UInt(MS_RDONLY) != 0 {
            if Glibc.mount(nil, target, nil, UInt(MS_REMOUNT | MS_BIND | MS_RDONLY), nil) != 0 {
                let err = errno
                umount2(target, Int32(MNT_DETACH))
                throw KataError.system("remount \(target) read-only", errno: err)
            }
        }
    }

    /// Detaches whatever is mounted at `target`; a path with nothing mounted is fine.
    public static func unmount(_ target: String) throws {
        if umount2(target, Int32(MNT_DETACH)) != 0 && errno != EINVAL && errno != ENOENT {
            throw KataError.system("unmount \(target)", errno: errno)
        }
    }
}
