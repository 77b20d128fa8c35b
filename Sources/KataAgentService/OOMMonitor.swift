import GuestAgent
import KataCore

/// GetOOMEvent: waits until the kernel's OOM killer hits a container, by watching the
/// `oom_kill` counter of each container cgroup's `memory.events`. Each kill is reported once.
/// Polling alone could miss a kill: a container whose init was OOM-killed is removed (its
/// cgroup with it) as soon as the host saw the exit, which may be before the next poll. So the
/// exit and the removal `check` the container first, and wait until the kill was handed to a
/// GetOOMEvent caller: the host then hears of the OOM before it hears of the exit.
actor OOMMonitor {
    private let sandbox: SandboxState
    private var seen: [String: UInt64] = [:]
    /// Kills found but not yet handed to a caller, oldest first, each container once; the
    /// latch opens when a caller took it.
    private var pending: [(id: String, delivered: Latch)] = []
    private var sleepers: [CheckedContinuation<Void, Never>] = []
    private static let pollInterval: Duration = .milliseconds(200)

    init(sandbox: SandboxState) { self.sandbox = sandbox }

    /// The id of the next container with a new OOM kill. Cancelled with its call (within one
    /// poll interval).
    func next() async throws -> String {
        while true {
            try Task.checkCancellation()
            for (id, cgroup) in await sandbox.containerCgroups { _ = note(id, cgroup) }
            if !pending.isEmpty {
                let first = pending.removeFirst()
                first.delivered.open()
                return first.id
            }
            await sleep()
        }
    }

    /// Looks at container `id` now; when it has a new kill, returns once a GetOOMEvent caller
    /// took it, or after `limit` (no caller: the host does not ask for OOM events).
    func check(_ id: String, limit: Duration) async {
        guard let cgroup = try? await sandbox.cgroup(of: id), let delivered = note(id, cgroup) else { return }
        wake()
        let timer = Task {
            try? await Task.sleep(for: limit)
            delivered.open()
        }
        await delivered.wait()
        timer.cancel()
    }

    /// A removed container's count is forgotten: a new container of the same id starts at 0.
    func forget(_ id: String) { seen[id] = nil }

    /// Records the container's count; a new kill is queued (once) and its latch returned.
    private func note(_ id: String, _ cgroup: CgroupV2) -> Latch? {
        let kills = Self.oomKills(cgroup)
        let before = seen[id]
        seen[id] = kills
        if let queued = pending.first(where: { $0.id == id }) { return queued.delivered }
        // A container seen for the first time with kills already counted reports them too.
        guard kills > (before ?? 0) else { return nil }
        let delivered = Latch()
        pending.append((id, delivered))
        return delivered
    }

    /// Until the next poll, or until a check queued a kill.
    private func sleep() async {
        await withCheckedContinuation { continuation in
            sleepers.append(continuation)
            Task {
                try? await Task.sleep(for: Self.pollInterval)
                await self.wake()
            }
        }
    }

    private func wake() {
        let woken = sleepers
        sleepers = []
        woken.forEach { $0.resume() }
    }

    static func oomKills(_ cgroup: CgroupV2) -> UInt64 {
        guard let text = try? readText("\(cgroup.path)/memory.events") else { return 0 }
        for line in text.split(separator: "\n") {
            let parts = line.split(separator: " ")
            if parts.count == 2, parts[0] == "oom_kill" { return UInt64(parts[1]) ?? 0 }
        }
        return 0
    }
}
