import GuestAgent
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A filesystem the host asked for (the agent protocol's `Storage`), as mount(2) arguments.
/// Options that are mount flags become flags; the rest become the filesystem's data string.
/// The mount point (and a bind mount's source) must lie below `root`; both are resolved there
/// without following symlinks, and mount(2) gets the opened directory, not the path.
struct StorageMount: Sendable, Equatable {
    var source: String
    var target: String
    var type: String
    var flags: UInt
    var data: String
    let root: String
    /// The mount point's components below `root`.
    let targetComponents: [String]
    /// A bind mount's source components below `root`; nil for a filesystem source (a tag).
    let sourceComponents: [String]?

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
        ephemeralDriver: "tmpfs",
    ]
    /// A guest tmpfs the pod's containers share (upstream's emptyDir / /dev/shm storage).
    static let ephemeralDriver = "ephemeral"
    /// Ephemeral storages live only below `root/sandbox` (upstream's sandbox directory).
    static let ephemeralParent = "sandbox"
    /// The filesystem data string fits in the one page mount(2) copies.
    static let maxDataBytes = 4095
    /// A 9p or virtio-fs tag (QEMU allows far shorter ones).
    static let maxSourceBytes = 255

    /// Checks everything the host sent; pure (no I/O), so it runs before anything is mounted.
    init(
        driver: String, source: String, fsType: String, options: [String], mountPoint: String,
        root: String = GuestPaths().storageRoot
    ) throws {
        guard let impliedType = Self.drivers[driver] else {
            throw KataError(
                .notImplemented,
                "storage driver \"\(driver)\" for \(mountPoint) is not supported (supported: \(Self.drivers.keys.sorted()))"
            )
        }
        let isBind = impliedType.isEmpty
        guard fsType.isEmpty || fsType == impliedType || (isBind && (fsType == "bind" || fsType == "none"))
        else {
            throw KataError(
                .invalidArgument, "storage fstype \"\(fsType)\" does not fit driver \"\(driver)\"")
        }
        self.root = root
        self.targetComponents = try BeneathPath.components(
            of: mountPoint, below: root, field: "storage mount_point")
        if driver == Self.ephemeralDriver
            && (targetComponents.count < 2 || targetComponents[0] != Self.ephemeralParent)
        {
            throw KataError(
                .invalidArgument,
                "storage mount_point \(mountPoint): an ephemeral storage must lie below \(root)/\(Self.ephemeralParent)/"
            )
        }
        if isBind {
            sourceComponents = try BeneathPath.components(of: source, below: root, field: "storage source")
        } else {
            sourceComponents = nil
            guard !source.isEmpty, source.utf8.count <= Self.maxSourceBytes, !source.utf8.contains(0) else {
                throw KataError(
                    .invalidArgument,
                    "storage source (tag) must be 1...\(Self.maxSourceBytes) bytes without NUL")
            }
        }
        self.source = source
        self.target = mountPoint
        self.type = isBind ? "" : impliedType
        var flags: UInt = 0
        var data: [String] = []
        for option in options where !Self.ignoredOptions.contains(option) {
            if let flag = Self.flagOptions[option] { flags |= flag } else { data.append(option) }
        }
        if isBind { flags |= UInt(MS_BIND) }
        self.flags = flags
        self.data = data.joined(separator: ",")
        guard !self.data.utf8.contains(0), self.data.utf8.count <= Self.maxDataBytes else {
            throw KataError(
                .invalidArgument, "storage options: at most \(Self.maxDataBytes) bytes of data, without NUL")
        }
    }

    /// Creates the mount point below `root` (no symlinks followed) and mounts onto exactly
    /// that directory.
    func mount() throws {
        let directory = try BeneathPath.openDirectory(root: root, targetComponents, creating: 0o755)
        var sourceFile: FileDescriptor?
        if let sourceComponents {
            let parent = try BeneathPath.openDirectory(root: root, sourceComponents.dropLast(), creating: nil)
            sourceFile = try BeneathPath.open(
                sourceComponents[sourceComponents.count - 1], in: parent, path: source,
                flags: BeneathPath.pathOnly)
        }
        let sourcePath = sourceFile?.withRaw(BeneathPath.procPath) ?? source
        let rc = directory.withRaw { fd -> Int32 in
            let rc = Glibc.mount(
                sourcePath, BeneathPath.procPath(fd), type.isEmpty ? nil : type, flags,
                data.isEmpty ? nil : data)
            return rc == 0 ? 0 : errno
        }
        guard rc == 0 else {
            throw KataError.system(
                "mount \(type) \(source) on \(target) (options \"\(data)\")", errno: rc ?? EBADF)
        }
    }

    /// Lazily detaches what is mounted on `target` (a mount point below `root`), resolved again
    /// without following symlinks: a symlink the host planted since cannot aim the unmount
    /// elsewhere. A file still open somewhere does not keep the mount busy.
    static func unmount(_ target: String, root: String) {
        guard let components = try? BeneathPath.components(of: target, below: root, field: "mount point"),
            let directory = try? BeneathPath.openDirectory(root: root, components, creating: nil)
        else { return }
        _ = directory.withRaw { umount2(BeneathPath.procPath($0), Int32(MNT_DETACH)) }
    }
}
