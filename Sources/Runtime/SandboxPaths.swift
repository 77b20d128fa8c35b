/// Where a sandbox keeps its things on the host, as upstream lays them out:
/// - `<stateRoot>/<id>/state.json`: what a later `delete` needs to clean up after a crash;
/// - `<stateRoot>/<id>/vm/`: the VM's run directory (sockets, pid file, console log);
/// - `<stateRoot>/<id>/initdata.img`: the pod's initdata disk, when it has initdata;
/// - `<sharedRoot>/<id>/shared/`: the directory shared into the guest; each container's root
///   filesystem is mounted at `shared/<container>/rootfs` and appears in the guest under
///   `guestSharedMount/<container>/rootfs`.
public struct SandboxPaths: Sendable, Equatable, Codable {
    public var stateRoot: String
    public var sharedRoot: String
    public var sandboxID: String

    public static let defaultStateRoot = "/run/vc/sbs"
    public static let defaultSharedRoot = "/run/kata-containers/shared/sandboxes"
    /// Where the guest mounts the shared directory.
    public static let guestSharedMount = "/run/kata-containers/shared/containers"

    public init(
        sandboxID: String, stateRoot: String = defaultStateRoot, sharedRoot: String = defaultSharedRoot
    ) {
        self.sandboxID = sandboxID
        self.stateRoot = stateRoot
        self.sharedRoot = sharedRoot
    }

    public var stateDirectory: String { "\(stateRoot)/\(sandboxID)" }
    public var stateFile: String { "\(stateDirectory)/state.json" }
    public var vmDirectory: String { "\(stateDirectory)/vm" }
    /// The shim's management socket (HTTP: /metrics, /agent-url, /measurement).
    public var monitorSocket: String { "\(stateDirectory)/shim-monitor.sock" }
    /// The initdata disk image (in the state directory: removed with it, also after a crash).
    public var initdataImage: String { "\(stateDirectory)/initdata.img" }
    public var sharedBase: String { "\(sharedRoot)/\(sandboxID)" }
    public var sharedDirectory: String { "\(sharedBase)/shared" }

    public func hostRootfs(container: String) -> String { "\(sharedDirectory)/\(container)/rootfs" }
    /// The same directory, reached without following symlinks (the guest can write the share).
    /// `container` is a checked identifier: a single path component.
    public func rootfsTarget(container: String) throws -> ShareTarget {
        try ShareTarget(root: sharedDirectory, components: [container, "rootfs"])
    }
    /// Built root filesystem images (`shared_fs = "none"`), shared by the sandboxes of this
    /// shared root. ".rootfs-images" is no sandbox id (an id starts with a letter or digit).
    package var imageCache: RootfsImageCache { RootfsImageCache(root: "\(sharedRoot)/.rootfs-images") }
    public func guestRootfs(container: String) -> String { "\(Self.guestSharedMount)/\(container)/rootfs" }
}
