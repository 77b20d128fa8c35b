import GuestAgent

/// GetOOMEvent: waits until the kernel's OOM killer hits a container, by watching the
/// `oom_kill` counter of each container cgroup's `memory.events`. Each kill is reported once.
actor OOMMonitor {
    private let sandbox: SandboxState
    private var seen: [String: UInt64] = [:]
    private static let pollInterval: Duration = .milliseconds(200)

    init(sandbox: SandboxState) { self.sandbox = sandbox }

    /// The id of the next container with a new OOM kill. Cancelled with its call.
    func next() async throws -> String {
        while true {
            for (id, cgroup) in await sandbox.containerCgroups {
                let kills = Self.oomKills(cgroup)
                let before = seen[id]
                seen[id] = kills
                // A container seen for the first time with kills already counted reports them too.
                if kills > (before ?? 0) { return id }
            }
            try await Task.sleep(for: Self.pollInterval)
        }
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
