import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A filesystem the host asked for (the agent protocol's `Storage`), as mount(2) arguments.
/// Options that are mount flags become flags; the rest become the filesystem's data string.
struct StorageMount: Sendable, Equatable {
    var source: String
    var target: String
    var type: String
    var flags: UInt
    var data: String

    static let flagOptions: [String: UInt] = [
        "ro": UInt(MS_RDONLY), "nosuid": UInt(MS_NOSUID), "nodev": UInt(MS_NODEV),
        "noexec": UInt(MS_NOEXEC), "sync": UInt(MS_SYNCHRONOUS), "dirsync": UInt(MS_DIRSYNC),
        "noatime": UInt(MS_NOATIME), "nodiratime": UInt(MS_NODIRATIME), "relatime": UInt(MS_RELATIME),
        "strictatime": UInt(MS_STRICTATIME), "bind": UInt(MS_BIND), "rbind": UInt(MS_BIND | MS_REC),
    ]
    /// Options that only restate a default.
    static let ignoredOptions: Set<String> = ["rw", "suid", "dev", "exec", "async", "defaults"]

    /// The drivers this agent mounts, and the filesystem type each implies.
    static let drivers: [String: String] = [
        "9p": "9p", "virtio-fs": "virtiofs", "virtiofs": "virtiofs", "local": "", "bind": "",
    ]

    init(driver: String, source: String, fsType: String, options: [String], mountPoint: String) throws {
        guard let impliedType = Self.drivers[driver] else {
            throw KataError(
                .notImplemented,
                "storage driver \"\(driver)\" for \(mountPoint) is not supported (supported: \(Self.drivers.keys.sorted()))"
            )
        }
        guard mountPoint.hasPrefix("/"), !mountPoint.split(separator: "/").contains("..") else {
            throw KataError(
                .invalidArgument, "storage mount_point \"\(mountPoint)\" must be an absolute path without ..")
        }
        self.source = source
        self.target = mountPoint
        self.type = fsType.isEmpty ? impliedType : fsType
        var flags: UInt = 0
        var data: [String] = []
        for option in options where !Self.ignoredOptions.contains(option) {
            if let flag = Self.flagOptions[option] { flags |= flag } else { data.append(option) }
        }
        if driver == "local" || driver == "bind" { flags |= UInt(MS_BIND) }
        self.flags = flags
        self.data = data.joined(separator: ",")
    }

    func mount() throws {
        try makeDirectory(target)
        let rc = Glibc.mount(source, target, type.isEmpty ? nil : type, flags, data.isEmpty ? nil : data)
        guard rc == 0 else {
            throw KataError.system("mount \(type) \(source) on \(target) (options \"\(data)\")", errno: errno)
        }
    }

    /// Lazily detaches the mount, so a file still open somewhere does not keep it busy.
    static func unmount(_ target: String) {
        _ = umount2(target, Int32(MNT_DETACH))
    }
}

/// mkdir -p.
func makeDirectory(_ path: String, mode: mode_t = 0o755) throws {
    var current = ""
    for part in path.split(separator: "/") {
        current += "/\(part)"
        if mkdir(current, mode) != 0 && errno != EEXIST {
            throw KataError.system("mkdir \(current)", errno: errno)
        }
    }
}
