import Agent
import KataCore
import Logging
import OCI

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A container root filesystem that reaches the guest as a hot-plugged read-only block device
/// (`shared_fs = "none"`): containerd's mounts are mounted privately under the sandbox's own
/// directory just long enough to build (or find in the cache) an EROFS + dm-verity image; the
/// image is attached to the VM and the agent mounts it through dm-verity with a writable
/// tmpfs overlay inside the guest. Nothing of the host is shared into the guest.
struct BlockRoot: Sendable, Equatable {
    var deviceID: String
    var cacheKey: String
    var user: String
}

extension Sandbox {
    /// Hot-plug timeout, each way.
    static let blockDeviceTimeout = Duration.seconds(10)
    /// The writable layer over a read-only image: guest memory, bounded.
    static let overlaySizeBytes: UInt64 = 128 << 20

    func createBlockRootedContainer(id containerID: String, spec: Spec, rootfs: [RootfsMount], bundle: String)
        async throws
    {
        let mounts =
            rootfs.isEmpty
            ? [RootfsMount(type: "bind", source: "\(bundle)/rootfs", options: ["rbind"])] : rootfs
        let user = RootfsImageCache.user(sandbox: id, container: containerID)
        let key = RootfsImageCache.key(for: mounts) ?? RootfsImageCache.privateKey(user: user)
        let target = paths.hostRootfs(container: containerID)
        let shareTarget = try paths.rootfsTarget(container: containerID)
        // Recorded before anything exists, so a crash half way is cleaned up (`cleanUp`).
        state.mounts.append(target)
        state.containers.append(containerID)
        try state.save()
        let started = ContinuousClock.now
        let acquired: (image: RootfsImage, hit: Bool)
        do {
            let cache = paths.imageCache
            acquired = try await onThread {
                try cache.acquire(key: key, user: user) { imagePath in
                    for mount in mounts { try mount.mount(at: shareTarget) }
                    defer { try? RootfsMount.unmount(shareTarget) }
                    return try RootfsImage.build(from: target, to: imagePath)
                }
            }
        } catch {
            forget(containerID, mount: target)
            removeTree("\(paths.sharedDirectory)/\(containerID)")
            throw KataError(
                (error as? KataError)?.code ?? .system,
                "container \(containerID): root filesystem image: \(error)")
        }
        forget(containerID, mount: target)
        removeTree("\(paths.sharedDirectory)/\(containerID)")
        state.containers.append(containerID)
        try? state.save()
        logger.info(
            "container root filesystem image",
            metadata: [
                "container": "\(containerID)", "cache": acquired.hit ? "hit" : "built",
                "ms": "\((ContinuousClock.now - started).wholeMilliseconds)",
                "build-ms": "\(acquired.image.buildMilliseconds)", "bytes": "\(acquired.image.sizeBytes)",
                "root-hash": "\(acquired.image.verity.hash)",
            ])
        nextDeviceNumber += 1
        let root = BlockRoot(deviceID: "rootfs\(nextDeviceNumber)", cacheKey: key, user: user)
        do {
            let pciPath = try await hypervisor.attachReadOnlyBlockDevice(
                id: root.deviceID, path: acquired.image.path, timeout: Self.blockDeviceTimeout)
            blockRoots[containerID] = root
            let guestRootfs = paths.guestRootfs(container: containerID)
            // Always with the writable layer, also for a read-only root: crun makes the spec's
            // mount points (/run, ...) in it before it remounts the root read-only.
            let storage = try Self.blockRootStorage(
                pciPath: pciPath, verity: acquired.image.verity, mountPoint: guestRootfs, writable: true)
            let volumes = try await prepareVolumes(containerID: containerID, spec: spec)
            let guestSpec = spec.forGuest(
                containerID: containerID, guestRootfs: guestRootfs, mounts: volumes.mounts)
            try await agent.createContainer(
                ContainerRequest(id: containerID, spec: guestSpec, storages: [storage] + volumes.storages))
        } catch {
            releaseVolumes(containerID: containerID)
            await detach(root, container: containerID)
            throw error
        }
    }

    /// The Storage for a root image: upstream's `blk` shape (source = PCI path) with the verity
    /// parameters as upstream's `verity_info` JSON, and the size of the writable tmpfs layer
    /// (none: the spec's root is read-only).
    static func blockRootStorage(
        pciPath: GuestPCIPath, verity: DmVerityInfo, mountPoint: String, writable: Bool
    )
        throws -> Storage
    {
        let json = String(decoding: try JSONEncoder().encode(verity), as: UTF8.self)
        var driverOptions = [
            "\(DmVerityInfo.driverOptionKey)=\(json)",
            "\(BlockRootOption.sourceType)=\(BlockRootOption.virtioPCI)",
        ]
        if writable { driverOptions.append("\(BlockRootOption.overlayTmpfsSize)=\(overlaySizeBytes)") }
        return Storage(
            driver: "blk", source: pciPath.description, fsType: "erofs", options: ["ro"],
            mountPoint: mountPoint,
            driverOptions: driverOptions)
    }

    /// Unplugs the container's image (the guest has let go of it, or never took it) and drops
    /// the cache reference. A device QEMU would not release stays on its port, logged.
    func detach(_ root: BlockRoot, container containerID: String) async {
        do {
            let started = ContinuousClock.now
            try await hypervisor.detachBlockDevice(id: root.deviceID, timeout: Self.blockDeviceTimeout)
            logger.info(
                "container root filesystem unplugged",
                metadata: [
                    "container": "\(containerID)",
                    "ms": "\((ContinuousClock.now - started).wholeMilliseconds)",
                ])
        } catch let error as KataError where error.code == .notFound || error.code == .unsupported {
            // Never attached (the attach failed and undid itself, or the backend cannot).
        } catch {
            logger.error("detach \(root.deviceID) of container \(containerID): \(error)")
        }
        blockRoots[containerID] = nil
        paths.imageCache.release(key: root.cacheKey, user: root.user)
        forget(containerID, mount: paths.hostRootfs(container: containerID))
    }
}

/// Runs blocking work (mount, mkfs, veritysetup) on its own thread, not the concurrency pool.
func onThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        startDetachedThread { continuation.resume(with: Result { try body() }) }
    }
}
