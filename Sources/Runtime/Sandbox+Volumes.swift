import Agent
import CKataSys
import KataCore
import Logging
import OCI

#if canImport(Glibc)
    import Glibc
#endif

/// A container's volumes as the guest gets them: the spec's mounts with every bind mount
/// pointing at a guest path, and the storages the agent mounts first (pod-wide tmpfs).
struct PreparedVolumes: Sendable {
    var mounts: [Mount]?
    var storages: [Storage]
}

extension Sandbox {
    /// Where the guest keeps the pod's ephemeral volumes (upstream's layout).
    static let guestEphemeral = "/run/kata-containers/sandbox/ephemeral"
    static let guestShm = "/run/kata-containers/sandbox/shm"
    /// Where the agent keeps the files copied in for a container (`shared_fs = "none"`): a
    /// guest directory, never a share; the agent removes it with the container.
    static let guestCopies = "/run/kata-containers/volumes"
    /// How often a watched volume's `..data` link is read (kubelet swaps it to update).
    static let watchInterval = Duration.milliseconds(500)
    /// /dev/shm when the host's says nothing about its size: containerd's default.
    static let defaultShmBytes: UInt64 = 64 << 20

    /// Shares, copies or replaces each bind mount of `spec` (see `GuestVolume`). Every host
    /// mount is recorded in the state before it exists; on failure what was made is undone.
    func prepareVolumes(containerID: String, spec: Spec) async throws -> PreparedVolumes {
        let sharing = plan.guestShare != nil
        var mounts: [Mount] = []
        var storages: [Storage] = []
        do {
            for (index, mount) in (spec.mounts ?? []).enumerated() {
                let volume = try GuestVolume.classify(mount, index: index, sharing: sharing) {
                    GuestVolume.SourceFacts(isMemory: Self.tmpfsBytes($0) != nil)
                }
                var guest = mount
                switch volume {
                case .keep:
                    mounts.append(mount)
                    continue
                case .share(let source, let readOnly):
                    let target = try ShareTarget(
                        root: paths.sharedDirectory, components: [containerID, "volumes", "\(index)"])
                    state.mounts.append(target.path)
                    try state.save()
                    try await onThread {
                        try VolumeShare.bind(source: source, at: target, readOnly: readOnly)
                    }
                    guest.source = "\(SandboxPaths.guestSharedMount)/\(containerID)/volumes/\(index)"
                case .ephemeral(let name):
                    let mountPoint =
                        name == GuestVolume.shmName ? Self.guestShm : "\(Self.guestEphemeral)/\(name)"
                    if !storages.contains(where: { $0.mountPoint == mountPoint }) {
                        let bytes =
                            mount.source.flatMap(Self.tmpfsBytes)
                            ?? (name == GuestVolume.shmName ? Self.defaultShmBytes : nil)
                        storages.append(Self.ephemeralStorage(mountPoint: mountPoint, sizeBytes: bytes))
                    }
                    guest.source = mountPoint
                case .copy(let source, let watch):
                    let guestPath = "\(Self.guestCopies)/\(containerID)/\(index)"
                    if !(mount.options ?? []).contains("ro") && !watch {
                        // As upstream (no shared filesystem: every volume is copied), and said so.
                        logger.warning(
                            "writable volume copied into the guest: its writes stay in the guest",
                            metadata: ["container": "\(containerID)", "destination": "\(mount.destination)"])
                    }
                    try await copyVolume(source: source, guestPath: guestPath)
                    if watch { startWatching(containerID: containerID, source: source, guestPath: guestPath) }
                    guest.source = guestPath
                }
                guest.type = "bind"
                let options = guest.options ?? []
                if !options.contains("bind") && !options.contains("rbind") {
                    guest.options = ["rbind"] + options
                }
                mounts.append(guest)
            }
        } catch {
            releaseVolumes(containerID: containerID)
            throw KataError(
                (error as? KataError)?.code ?? .system, "container \(containerID): volumes: \(error)")
        }
        return PreparedVolumes(mounts: spec.mounts == nil ? nil : mounts, storages: storages)
    }

    /// The guest tmpfs of an ephemeral volume (upstream's Storage shape).
    static func ephemeralStorage(mountPoint: String, sizeBytes: UInt64?) -> Storage {
        Storage(
            driver: "ephemeral", source: "tmpfs", fsType: "tmpfs",
            options: ["nodev", "nosuid", "mode=1777"] + (sizeBytes.map { ["size=\($0)"] } ?? []),
            mountPoint: mountPoint)
    }

    /// The size of the tmpfs at `path`; nil when it is no tmpfs (or cannot be read).
    static func tmpfsBytes(_ path: String) -> UInt64? {
        var type: UInt64 = 0
        var bytes: UInt64 = 0
        guard ckata_statfs(path, &type, &bytes) == 0, type == 0x0102_1994 else { return nil }  // TMPFS_MAGIC
        return bytes
    }

    private func copyVolume(source: String, guestPath: String) async throws {
        let files = try await onThread { try VolumeCopy.files(source: source, guestPath: guestPath) }
        for file in files { try await agent.copyFile(file) }
    }

    /// Polls the `..data` link of a kubelet-updated volume and copies the volume again when
    /// it moves; stops when the container's volumes are released.
    private func startWatching(containerID: String, source: String, guestPath: String) {
        let (agent, logger) = (agent, logger)
        // Detached: the reads and copies must not hold the sandbox actor.
        let task = Task.detached {
            var seen = VolumeCopy.dataTarget(path: source)
            while !Task.isCancelled {
                try? await Task.sleep(for: Self.watchInterval)
                let now = VolumeCopy.dataTarget(path: source)
                guard now != seen, !Task.isCancelled else { continue }
                do {
                    // Checked before each call: the container may be removed meanwhile.
                    for file in try VolumeCopy.files(source: source, guestPath: guestPath)
                    where !Task.isCancelled {
                        try await agent.copyFile(file)
                    }
                    seen = now
                    logger.info(
                        "watched volume copied again",
                        metadata: ["container": "\(containerID)", "data": "\(now ?? "")"])
                } catch {
                    logger.warning(
                        "watched volume \(source): \(error)", metadata: ["container": "\(containerID)"])
                }
            }
        }
        volumeWatchers[containerID, default: []].append(task)
    }

    /// Stops the container's watchers and unmounts its shared volumes (recorded in the state).
    func releaseVolumes(containerID: String) {
        volumeWatchers.removeValue(forKey: containerID)?.forEach { $0.cancel() }
        let prefix = "\(paths.sharedDirectory)/\(containerID)/volumes/"
        for mount in state.mounts.reversed() where mount.hasPrefix(prefix) {
            Self.unmount(mount, paths: paths, logger: logger)
        }
        state.mounts.removeAll { $0.hasPrefix(prefix) }
        try? state.save()
    }
}
