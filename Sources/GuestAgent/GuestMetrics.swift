import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Prometheus text about the guest as a whole (GetMetrics): memory, load, CPU time and
/// processes, read from /proc (the root is injectable for tests).
public struct GuestMetrics: Sendable {
    public let procRoot: String

    public init(procRoot: String = "/proc") { self.procRoot = procRoot }

    public func render() -> String {
        var out = ""
        if let meminfo = try? readTextFile("\(procRoot)/meminfo") {
            out += "# HELP kata_guest_meminfo Guest /proc/meminfo values in bytes.\n"
            out += "# TYPE kata_guest_meminfo gauge\n"
            for line in meminfo.split(separator: "\n") {
                let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " })
                guard parts.count >= 2, let value = UInt64(parts[1]) else { continue }
                let bytes = parts.count >= 3 && parts[2] == "kB" ? value * 1024 : value
                out += "kata_guest_meminfo{item=\"\(parts[0])\"} \(bytes)\n"
            }
        }
        if let load = try? readTextFile("\(procRoot)/loadavg") {
            let fields = load.split(separator: " ")
            if fields.count >= 4 {
                out += "# HELP kata_guest_load Guest load averages.\n# TYPE kata_guest_load gauge\n"
                for (index, window) in ["1m", "5m", "15m"].enumerated() {
                    out += "kata_guest_load{window=\"\(window)\"} \(fields[index])\n"
                }
                let tasks = fields[3].split(separator: "/")
                if tasks.count == 2 {
                    out +=
                        "# HELP kata_guest_tasks Guest scheduling entities.\n# TYPE kata_guest_tasks gauge\n"
                    out += "kata_guest_tasks{state=\"running\"} \(tasks[0])\n"
                    out += "kata_guest_tasks{state=\"total\"} \(tasks[1])\n"
                }
            }
        }
        if let stat = try? readTextFile("\(procRoot)/stat") {
            // Upstream's kata_guest_cpu_time: clock ticks per mode, for all CPUs ("total") and each.
            let modes = [
                "user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal", "guest", "guest_nice",
            ]
            var lines = ""
            for line in stat.split(separator: "\n") where line.hasPrefix("cpu") {
                let fields = line.split(separator: " ")
                let cpu = fields[0] == "cpu" ? "total" : String(fields[0].dropFirst(3))
                guard cpu == "total" || UInt32(cpu) != nil else { continue }
                for (mode, value) in zip(modes, fields.dropFirst()) where UInt64(value) != nil {
                    lines += "kata_guest_cpu_time{cpu=\"\(cpu)\",item=\"\(mode)\"} \(value)\n"
                }
            }
            if !lines.isEmpty {
                out += "# HELP kata_guest_cpu_time Guest CPU time by mode, in clock ticks.\n"
                out += "# TYPE kata_guest_cpu_time gauge\n" + lines
            }
        }
        return out
    }

    /// The agent's own figures: its open descriptors and the exec records it keeps, so a leak
    /// is visible from the host.
    public func renderAgent(execRecords: Int) -> String {
        var out = "# HELP kata_agent_exec_records Exec processes the agent still keeps.\n"
        out += "# TYPE kata_agent_exec_records gauge\nkata_agent_exec_records \(execRecords)\n"
        if let open = openDescriptorCount() {
            out += "# HELP kata_agent_open_fds Descriptors the agent holds open.\n"
            out += "# TYPE kata_agent_open_fds gauge\nkata_agent_open_fds \(open)\n"
        }
        return out
    }

    /// Entries of `<procRoot>/self/fd`, not counting the descriptor that reads the directory.
    public func openDescriptorCount() -> Int? {
        guard let dir = opendir("\(procRoot)/self/fd") else { return nil }
        defer { closedir(dir) }
        let own = dirfd(dir)
        var count = 0
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) {
                String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self)
            }
            if name == "." || name == ".." || Int32(name) == own { continue }
            count += 1
        }
        return count
    }
}
