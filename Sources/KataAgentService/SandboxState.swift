import GuestAgent
import KataCore

/// What the agent remembers about the sandbox beyond the containers themselves: the mounts
/// it made (to undo them) and each container's cgroup (for stats, updates and OOM events).
actor SandboxState {
    struct ContainerRecord {
        var cgroup: CgroupV2
        /// Mount points of the container's own storages, unmounted when it is removed.
        var storages: [String]
        /// Block root filesystems (dm-verity + EROFS + overlay), removed after the storages.
        var blockRoots: [BlockRootMount] = []
        /// Pod-wide storages (ephemeral tmpfs) this container holds a reference to.
        var sharedStorages: [String] = []
    }

    private(set) var sandboxID: String?
    private(set) var sandboxStorages: [String] = []
    private(set) var containers: [String: ContainerRecord] = [:]
    /// Pod-wide storages by mount point, with how many containers use each.
    private(set) var sharedStorages: [String: Int] = [:]

    /// Takes a reference to the pod-wide storage at `mountPoint`; true when this is the first
    /// (the caller mounts it, and calls `releaseShared` if that fails).
    func retainShared(_ mountPoint: String) -> Bool {
        sharedStorages[mountPoint, default: 0] += 1
        return sharedStorages[mountPoint] == 1
    }

    /// Drops a reference; true when it was the last (the caller unmounts it).
    func releaseShared(_ mountPoint: String) -> Bool {
        guard let count = sharedStorages[mountPoint] else { return false }
        sharedStorages[mountPoint] = count > 1 ? count - 1 : nil
        return count == 1
    }

    func beginSandbox(id: String) throws {
        guard sandboxID == nil else {
            throw KataError(.failedPrecondition, "sandbox \(sandboxID ?? "") already exists")
        }
        sandboxID = id
    }

    func addSandboxStorage(_ mountPoint: String) { sandboxStorages.append(mountPoint) }

    /// Forgets the sandbox and returns its mount points, last mounted first.
    func endSandbox() -> [String] {
        defer {
            sandboxID = nil
            sandboxStorages = []
            sharedStorages = [:]
        }
        return sharedStorages.keys.sorted() + sandboxStorages.reversed()
    }

    func addContainer(_ id: String, _ record: ContainerRecord) { containers[id] = record }

    func removeContainer(_ id: String) -> ContainerRecord? { containers.removeValue(forKey: id) }

    func cgroup(of id: String) throws -> CgroupV2 {
        guard let record = containers[id] else { throw KataError(.notFound, "no container \(id)") }
        return record.cgroup
    }

    var containerCgroups: [(id: String, cgroup: CgroupV2)] {
        containers.map { ($0.key, $0.value.cgroup) }.sorted { $0.id < $1.id }
    }
}
