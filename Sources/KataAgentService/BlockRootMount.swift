import GuestAgent
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A block root filesystem mounted for one container: the hot-plugged disk under a dm-verity
/// device (every block read is checked against the root hash the host sent; a changed block
/// reads as EIO), EROFS read-only on that, and for a writable root an overlay whose upper
/// layer is a size-limited tmpfs, so writes stay in guest memory and never reach the host.
///
///     /dev/kata-blockroot/<id>                the dm-verity device node (/run is nodev)
///     /run/kata-agent/blockroot/<id>/lower   EROFS (read-only)
///     /run/kata-agent/blockroot/<id>/rw      tmpfs: upper/, work/
///     <mount point>                          overlay (or EROFS itself for a read-only root)
struct BlockRootMount: Sendable {
    static let base = "/run/kata-agent/blockroot"
    static let nodes = "/dev/kata-blockroot"
    /// How long the disk may take to appear after the host hot-plugged it.
    static let deviceTimeout = Duration.seconds(10)

    let dmName: String
    let directory: String
    let node: String
    let mountPoint: String
    let storageRoot: String
    let mapper: DeviceMapper

    /// Mounts `storage` for `containerID`; on failure everything made so far is undone.
    static func mount(
        _ storage: BlockRootStorage, containerID: String, storageRoot: String, modules: GuestModules,
        mapper: DeviceMapper = DeviceMapper()
    ) async throws -> BlockRootMount {
        try modules.loadOnDemand()
        let disk = try await PCIBlockDevice.wait(for: storage.pciPath, timeout: deviceTimeout)
        let mounted = BlockRootMount(
            dmName: "kata-root-\(containerID)", directory: "\(base)/\(containerID)",
            node: "\(nodes)/\(containerID)", mountPoint: storage.mountPoint,
            storageRoot: storageRoot, mapper: mapper)
        var made = false
        do {
            try makeDirectories(mounted.directory, mode: 0o700)
            let device = try mapper.createReadOnly(
                name: mounted.dmName, target: "verity", sectors: storage.verity.dataSectors,
                parameters: storage.verity.targetParameters(device: "\(disk.major):\(disk.minor)"))
            made = true
            try makeDirectories(nodes, mode: 0o700)
            try DeviceMapper.makeNode(
                mounted.node, mode: S_IFBLK | 0o600, major: device.major, minor: device.minor)
            // The mount point is reached without following symlinks; mount(2) gets the opened directory.
            let target = try BeneathPath.openDirectory(
                root: storageRoot, storage.mountComponents, creating: 0o755)
            defer { withExtendedLifetime(target) {} }
            guard let targetPath = target.withRaw(BeneathPath.procPath) else {
                throw KataError(.internal, "mount point \(storage.mountPoint) closed")
            }
            guard let overlaySize = storage.overlaySize else {
                try Self.mountErofs(from: mounted.node, at: targetPath)
                return mounted
            }
            try makeDirectories("\(mounted.directory)/lower", mode: 0o700)
            try makeDirectories("\(mounted.directory)/rw", mode: 0o700)
            try Self.mountErofs(from: mounted.node, at: "\(mounted.directory)/lower")
            try Self.mount(
                "tmpfs", "\(mounted.directory)/rw", type: "tmpfs", flags: UInt(MS_NODEV),
                data: "size=\(overlaySize),mode=0755")
            try makeDirectories("\(mounted.directory)/rw/upper", mode: 0o755)
            try makeDirectories("\(mounted.directory)/rw/work", mode: 0o700)
            let data =
                "lowerdir=\(mounted.directory)/lower,upperdir=\(mounted.directory)/rw/upper,workdir=\(mounted.directory)/rw/work"
            try Self.mount("overlay", targetPath, type: "overlay", flags: 0, data: data)
            return mounted
        } catch {
            mounted.remove(deviceMade: made)
            throw KataError(
                (error as? KataError)?.code ?? .system,
                "root filesystem at PCI path \(storage.pciPath): \(error)")
        }
    }

    /// Unmounts everything (lazily: nothing of the container may still hold it), removes the
    /// dm device so the host can unplug the disk, and the agent's directory.
    func remove(deviceMade: Bool = true) {
        StorageMount.unmount(mountPoint, root: storageRoot)
        for inner in ["rw", "lower"] { _ = umount2("\(directory)/\(inner)", Int32(MNT_DETACH)) }
        if deviceMade {
            do {
                try mapper.remove(name: dmName)
            } catch {
                KataAgentProgram.log("block root \(dmName): \(error)")
            }
        }
        unlink(node)
        _ = removeTree(directory)
    }

    /// EIO reading the superblock through dm-verity means a block did not match its hash.
    private static func mountErofs(from device: String, at target: String) throws {
        guard Glibc.mount(device, target, "erofs", UInt(MS_RDONLY), nil) == 0 else {
            let code = errno
            guard code != EIO else {
                throw KataError(
                    .failedPrecondition,
                    "mount erofs: the image does not verify against its dm-verity root hash (I/O error reading it)"
                )
            }
            throw KataError.system("mount erofs \(device) on \(target)", errno: code)
        }
    }

    private static func mount(_ source: String, _ target: String, type: String, flags: UInt, data: String)
        throws
    {
        guard Glibc.mount(source, target, type, flags, data.isEmpty ? nil : data) == 0 else {
            throw KataError.system("mount \(type) \(source) on \(target)", errno: errno)
        }
    }
}
