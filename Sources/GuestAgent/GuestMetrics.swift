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
        if let stat = try? readTextFile("\(procRoot)/stat"),
            let cpu = stat.split(separator: "\n").first(where: { $0.hasPrefix("cpu ") })
        {
            let modes = ["user", "nice", "system", "idle", "iowait", "irq", "softirq", "steal"]
            let ticks = cpu.split(separator: " ").dropFirst()
            out += "# HELP kata_guest_cpu_time_ticks Guest CPU time by mode, in clock ticks.\n"
            out += "# TYPE kata_guest_cpu_time_ticks counter\n"
            for (mode, value) in zip(modes, ticks) {
                out += "kata_guest_cpu_time_ticks{mode=\"\(mode)\"} \(value)\n"
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
