import GuestAgent
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A container's root filesystem as crun gets it: the directory the spec names, resolved below
/// the storage root without following symlinks, bind-mounted onto a path only the agent
/// writes. crun then never resolves a path in the host's share, so a symlink planted there
/// (`<id>/rootfs -> /`) cannot hand it the guest's own root, not even after the check.
enum PinnedRootfs {
    /// Returns the pinned path to put in the spec.
    static func pin(_ rootfs: String, containerID: String, paths: GuestPaths) throws -> String {
        let components = try BeneathPath.components(
            of: rootfs, below: paths.storageRoot, field: "OCI.root.path")
        let directory = try BeneathPath.openDirectory(root: paths.storageRoot, components, creating: nil)
        let pinned = paths.pinnedRootfs(containerID: containerID)
        try makeDirectories(pinned)
        let rc =
            directory.withRaw { fd -> Int32 in
                // MS_REC: storages mounted inside the rootfs come along.
                let rc = mount(BeneathPath.procPath(fd), pinned, nil, UInt(MS_BIND | MS_REC), nil)
                return rc == 0 ? 0 : errno
            } ?? EBADF
        guard rc == 0 else {
            rmdir(pinned)
            throw KataError.system("bind \(rootfs) onto \(pinned)", errno: rc)
        }
        return pinned
    }

    static func unpin(containerID: String, paths: GuestPaths) {
        let pinned = paths.pinnedRootfs(containerID: containerID)
        _ = umount2(pinned, Int32(MNT_DETACH))
        rmdir(pinned)
    }
}
