import GuestAgent
import KataCore
import OCI
import OCIProtobuf
import Protocols

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension AgentService {
    func createContainer(_ request: Grpc_CreateContainerRequest) async throws {
        let id = request.containerID
        // Before anything is mounted: a duplicate must not stack mounts on a live container's.
        guard await !registry.contains(id) else {
            throw KataError(.failedPrecondition, "container \(id) already exists")
        }
        var spec = guestSpec(id: id, Spec(request.oci))
        var mounted: [String] = []
        var shared: [String] = []
        var blockRoots: [BlockRootMount] = []
        var pinned = false
        do {
            for storage in request.storages {
                if storage.driver == StorageMount.ephemeralDriver {
                    // Shared by the pod's containers: mounted by the first, unmounted by the last.
                    guard !shared.contains(storage.mountPoint) else { continue }
                    if await sandbox.retainShared(storage.mountPoint) {
                        do {
                            try await mount(storage)
                        } catch {
                            _ = await sandbox.releaseShared(storage.mountPoint)
                            throw error
                        }
                    }
                    shared.append(storage.mountPoint)
                    continue
                }
                if storage.driver == BlockRootStorage.driver {
                    await modules.wait(for: GuestModules.needed(forFilesystem: "overlay"))
                    blockRoots.append(
                        try await BlockRootMount.mount(
                            try BlockRootStorage(storage, root: paths.storageRoot), containerID: id,
                            storageRoot: paths.storageRoot, modules: modules))
                    continue
                }
                try await mount(storage)
                mounted.append(storage.mountPoint)
            }
            // After the storages: one of them may be the rootfs.
            let rootfs = try PinnedRootfs.pin(spec.root?.path ?? "", containerID: id, paths: paths)
            pinned = true
            spec.root?.path = rootfs
            let json = try JSONEncoder().encode(spec)
            try await registry.create(
                id: id, configJSON: [UInt8](json), terminal: spec.process?.terminal ?? false)
        } catch {
            if pinned { PinnedRootfs.unpin(containerID: id, paths: paths) }
            mounted.reversed().forEach { StorageMount.unmount($0, root: paths.storageRoot) }
            await releaseShared(shared)
            blockRoots.reversed().forEach { $0.remove() }
            _ = removeTree(paths.copiedVolumes(containerID: id))
            throw error
        }
        let cgroup = CgroupV2.forContainer(id: id, cgroupsPath: spec.linux?.cgroupsPath)
        await sandbox.addContainer(
            id, .init(cgroup: cgroup, storages: mounted, blockRoots: blockRoots, sharedStorages: shared))
    }

    /// The spec as crun must see it here: the rootfs is a guest path on the shared filesystem
    /// (see `GuestPaths`), and the cgroup is a plain path (no systemd in the guest).
    func guestSpec(id: String, _ spec: Spec) -> Spec {
        var spec = spec
        spec.root = Root(
            path: paths.rootfs(containerID: id, rootPath: spec.root?.path), readonly: spec.root?.readonly)
        var linux = spec.linux ?? Linux()
        if linux.cgroupsPath?.isEmpty ?? true || linux.cgroupsPath?.contains(":") == true {
            linux.cgroupsPath = "\(paths.cgroupParent)/\(id)"
        }
        spec.linux = linux
        return spec
    }

    func removeContainer(_ request: Grpc_RemoveContainerRequest) async throws {
        // The cgroup goes with the container: a kill it counted must be reported first.
        await oom.check(request.containerID, limit: Self.oomHandOver)
        try await registry.remove(id: request.containerID)
        await oom.forget(request.containerID)
        PinnedRootfs.unpin(containerID: request.containerID, paths: paths)
        if let record = await sandbox.removeContainer(request.containerID) {
            record.storages.reversed().forEach { StorageMount.unmount($0, root: paths.storageRoot) }
            await releaseShared(record.sharedStorages)
            record.blockRoots.reversed().forEach { $0.remove() }
        }
        // The files the host copied in for it (`shared_fs = "none"`): a guest directory.
        _ = removeTree(paths.copiedVolumes(containerID: request.containerID))
    }

    /// Drops the container's references to pod-wide storages, unmounting those it held last.
    private func releaseShared(_ mountPoints: [String]) async {
        for mountPoint in mountPoints.reversed() where await sandbox.releaseShared(mountPoint) {
            StorageMount.unmount(mountPoint, root: paths.storageRoot)
        }
    }

    /// The container's processes (its cgroup's members) as a JSON array, the init process first.
    func listProcesses(_ request: Grpc_ListProcessesRequest) async throws -> Grpc_ListProcessesResponse {
        let initPID = try await registry.process(id: request.containerID, execID: "").pid
        let members = try await sandbox.cgroup(of: request.containerID).processIDs()
        let pids = (members.contains(initPID) ? [initPID] : []) + members.filter { $0 != initPID }.sorted()
        return .with { $0.processList = Data("[\(pids.map(String.init).joined(separator: ","))]".utf8) }
    }

    func statsContainer(_ request: Grpc_StatsContainerRequest) async throws -> Grpc_StatsContainerResponse {
        let stats = try await sandbox.cgroup(of: request.containerID).stats()
        return .with { response in
            response.cgroupStats.cpuStats.cpuUsage = .with {
                $0.totalUsage = nanoseconds(stats.cpuUsageMicros)
                $0.usageInUsermode = nanoseconds(stats.cpuUserMicros)
                $0.usageInKernelmode = nanoseconds(stats.cpuSystemMicros)
            }
            response.cgroupStats.memoryStats = .with {
                $0.usage = .with {
                    $0.usage = stats.memoryUsage
                    $0.limit = stats.memoryLimit ?? 0
                }
                $0.stats = stats.memoryStat
                $0.useHierarchy = true
            }
            response.cgroupStats.pidsStats = .with {
                $0.current = stats.pidsCurrent
                $0.limit = stats.pidsLimit ?? 0
            }
        }
    }

    /// Saturates instead of trapping (cgroup files are text; nothing bounds what they hold).
    private func nanoseconds(_ micros: UInt64) -> UInt64 {
        let (product, overflow) = micros.multipliedReportingOverflow(by: 1000)
        return overflow ? .max : product
    }

    func updateContainer(_ request: Grpc_UpdateContainerRequest) async throws {
        let cgroup = try await sandbox.cgroup(of: request.containerID)
        let resources = Resources(request.resources)
        try cgroup.apply(
            CgroupV2.Update(
                memoryMax: resources.memory?.limit, cpuQuota: resources.cpu?.quota,
                cpuPeriod: resources.cpu?.period, cpuShares: resources.cpu?.shares,
                pidsMax: resources.pids?.limit))
    }
}
