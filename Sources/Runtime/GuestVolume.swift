import KataCore
import OCI

/// What one mount of a container's spec becomes in the guest. Bind mounts name host paths,
/// which mean nothing inside the VM: each is shared, copied or replaced by a guest tmpfs, and
/// the guest spec binds it from a guest path.
package enum GuestVolume: Sendable, Equatable {
    /// Not a bind mount (proc, sysfs, a tmpfs, ...): the guest makes it as the spec says.
    case keep
    /// virtio-9p: the host source is bind-mounted under the share (read-only on the host too
    /// when the mount is `ro`), and appears in the guest below the shared mount.
    case share(source: String, readOnly: Bool)
    /// A guest tmpfs shared by the pod's containers (upstream's `ephemeral` storage):
    /// memory-backed emptyDirs, every emptyDir when nothing is shared, and CRI's /dev/shm.
    case ephemeral(name: String)
    /// `shared_fs = "none"`: the host source is copied into the guest (CopyFile); a directory
    /// Kubernetes updates in place is watched and copied again when its `..data` link moves.
    case copy(source: String, watch: Bool)

    /// Path markers of the volume types kubelet writes with its AtomicWriter (timestamped
    /// directory, `..data` symlink swapped on update).
    static let updatedInPlace = [
        "kubernetes.io~configmap", "kubernetes.io~secret", "kubernetes.io~projected",
        "kubernetes.io~downward-api",
    ]
    static let emptyDirMarker = "/kubernetes.io~empty-dir/"
    /// The ephemeral volume CRI's /dev/shm bind mount becomes.
    static let shmName = "shm"

    /// What the host knows about a bind mount's source: whether it is memory-backed (tmpfs).
    package struct SourceFacts: Sendable, Equatable {
        package var isMemory: Bool
        package init(isMemory: Bool) { self.isMemory = isMemory }
    }

    /// True when `mount` binds a host path (type "bind", or a bind/rbind option).
    static func isBind(_ mount: Mount) -> Bool {
        let options = mount.options ?? []
        return mount.type == "bind" || options.contains("bind") || options.contains("rbind")
    }

    /// Classifies `mount` (the spec's `mounts[index]`); throws `.invalidArgument` naming the
    /// mount when its destination or source is unusable. `sharing` is true with a 9p share.
    /// `facts` is asked only for bind mounts.
    package static func classify(
        _ mount: Mount, index: Int, sharing: Bool, facts: (String) -> SourceFacts
    ) throws -> GuestVolume {
        let field = "mounts[\(index)] (destination \(mount.destination.debugDescription))"
        try checkPath(mount.destination, field: "\(field): destination")
        guard isBind(mount) else { return .keep }
        guard let source = mount.source, !source.isEmpty else {
            throw KataError(.invalidArgument, "\(field): a bind mount without a source")
        }
        try checkPath(source, field: "\(field): source")
        let readOnly = (mount.options ?? []).contains("ro")
        if mount.destination == "/dev/shm" { return .ephemeral(name: shmName) }
        if source.contains(emptyDirMarker) && (!sharing || facts(source).isMemory) {
            let name = String(source.split(separator: "/").last ?? "")
            guard name != "." && name != ".." && !name.isEmpty && name != shmName else {
                throw KataError(.invalidArgument, "\(field): emptyDir source \(source) has no usable name")
            }
            return .ephemeral(name: name)
        }
        if sharing { return .share(source: source, readOnly: readOnly) }
        return .copy(source: source, watch: updatedInPlace.contains { source.contains($0) })
    }

    /// An absolute path without NUL, "." or ".." components, at most PATH_MAX bytes.
    static func checkPath(_ path: String, field: String) throws {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard path.hasPrefix("/"), !path.utf8.contains(0), path.utf8.count <= 4096,
            !parts.contains(where: { $0 == "." || $0 == ".." })
        else {
            throw KataError(
                .invalidArgument,
                "\(field): must be an absolute path without NUL, \".\" or \"..\" parts (got \(path.debugDescription))"
            )
        }
    }
}
