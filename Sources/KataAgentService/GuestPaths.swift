import Initdata

/// Where things live inside the guest. The host runtime relies on the first two:
///
/// - The sandbox's shared filesystem (the 9p or virtio-fs storage the host sends in
///   CreateSandbox) is mounted at `sharedContainers`; the host shares a directory holding one
///   `<container-id>/rootfs` per container.
/// - A container's spec `root.path` is a guest path, normally
///   `/run/kata-containers/shared/containers/<container-id>/rootfs`; a relative `root.path` (or
///   none) is taken relative to `sharedContainers/<container-id>/` (none means `rootfs`).
public struct GuestPaths: Sendable, Equatable {
    /// Mount point of the sandbox's shared filesystem (the upstream agent's convention).
    public var sharedContainers: String
    /// Bundles (config.json, exec process files, console sockets), one directory a container.
    public var bundles: String
    /// crun's state root.
    public var crunRoot: String
    /// The only tree CopyFile may write into.
    public var copyFileRoot: String
    /// The only tree storages may be mounted in (and bind-mounted from), and where a
    /// container's root filesystem must be.
    public var storageRoot: String
    /// Where each container's rootfs is bind-mounted for crun (see `PinnedRootfs`).
    public var pinnedRoots: String
    /// Where crun puts containers whose spec names no (or a systemd-style) cgroupsPath.
    public var cgroupParent: String
    /// Where the block disks are listed (the initdata disk is looked for there) and their nodes.
    public var blockDevices: String
    public var devices: String
    /// Where the initdata document and its entries are written.
    public var initdata: String
    /// The guest's resolver configuration, written from CreateSandbox's `dns`.
    public var resolvConf = "/etc/resolv.conf"

    public init(
        sharedContainers: String = "/run/kata-containers/shared/containers",
        bundles: String = "/run/kata-agent/bundles", pinnedRoots: String = "/run/kata-agent/rootfs",
        crunRoot: String = "/run/crun",
        copyFileRoot: String = "/run/kata-containers", storageRoot: String = "/run/kata-containers",
        cgroupParent: String = "/kata", blockDevices: String = "/sys/block", devices: String = "/dev",
        initdata: String = InitdataDisk.guestDirectory
    ) {
        self.blockDevices = blockDevices
        self.devices = devices
        self.initdata = initdata
        self.sharedContainers = sharedContainers
        self.bundles = bundles
        self.pinnedRoots = pinnedRoots
        self.crunRoot = crunRoot
        self.copyFileRoot = copyFileRoot
        self.storageRoot = storageRoot
        self.cgroupParent = cgroupParent
    }

    /// Where the host's CopyFile puts a container's volumes when nothing is shared (the
    /// runtime's `Sandbox.guestCopies`); removed with the container. `containerID` is checked.
    public func copiedVolumes(containerID: String) -> String { "\(copyFileRoot)/volumes/\(containerID)" }

    /// The guest rootfs for a container whose spec says `rootPath` (checked by
    /// `Grpc_CreateContainerRequest.validate`: no "." or ".." components, absolute ones below
    /// `storageRoot`).
    public func rootfs(containerID: String, rootPath: String?) -> String {
        guard let rootPath, !rootPath.isEmpty else { return "\(sharedContainers)/\(containerID)/rootfs" }
        return rootPath.hasPrefix("/") ? rootPath : "\(sharedContainers)/\(containerID)/\(rootPath)"
    }

    /// The agent-owned path a container's rootfs is pinned at; the id was validated.
    public func pinnedRootfs(containerID: String) -> String { "\(pinnedRoots)/\(containerID)" }
}
