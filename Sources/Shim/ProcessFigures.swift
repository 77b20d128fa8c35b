import Foundation

/// Figures about one process from /proc, for the shim's Prometheus metrics.
struct ProcessFigures: Sendable, Equatable {
    var residentBytes: UInt64 = 0
    var peakResidentBytes: UInt64 = 0
    var virtualBytes: UInt64 = 0
    var threads: UInt64 = 0
    var openFiles: UInt64 = 0
    var cpuSeconds: Double = 0

    /// Reads /proc/PID/status, /proc/PID/stat and /proc/PID/fd; nil when the process is gone.
    static func read(pid: Int32, proc: String = "/proc") -> ProcessFigures? {
        guard let status = try? String(contentsOfFile: "\(proc)/\(pid)/status", encoding: .utf8) else {
            return nil
        }
        var figures = ProcessFigures()
        for line in status.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let value = UInt64(parts[1]) else { continue }
            switch parts[0] {
            case "VmRSS": figures.residentBytes = kibibytes(value)
            case "VmHWM": figures.peakResidentBytes = kibibytes(value)
            case "VmSize": figures.virtualBytes = kibibytes(value)
            case "Threads": figures.threads = value
            default: break
            }
        }
        figures.openFiles = UInt64(
            (try? FileManager.default.contentsOfDirectory(atPath: "\(proc)/\(pid)/fd"))?.count ?? 0)
        if let stat = try? String(contentsOfFile: "\(proc)/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            // Fields after "comm)": state is 3rd overall; utime and stime are the 14th and 15th.
            let rest = stat[stat.index(after: close)...].split(separator: " ")
            if rest.count > 13, let user = Double(rest[11]), let system = Double(rest[12]) {
                figures.cpuSeconds = (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
            }
        }
        return figures
    }

    /// A /proc kB figure in bytes, saturating rather than trapping on a value from the file.
    static func kibibytes(_ value: UInt64) -> UInt64 {
        let (bytes, overflow) = value.multipliedReportingOverflow(by: 1024)
        return overflow ? .max : bytes
    }

    /// Prometheus samples, each metric prefixed with `prefix` (e.g. "kata_shim").
    func prometheus(prefix: String) -> String {
        let samples: [(String, String, String)] = [
            ("resident_memory_bytes", "gauge", "\(residentBytes)"),
            ("peak_resident_memory_bytes", "gauge", "\(peakResidentBytes)"),
            ("virtual_memory_bytes", "gauge", "\(virtualBytes)"),
            ("threads", "gauge", "\(threads)"),
            ("open_fds", "gauge", "\(openFiles)"),
            ("cpu_seconds_total", "counter", String(format: "%.2f", cpuSeconds)),
        ]
        return samples.map { name, type, value in
            "# TYPE \(prefix)_\(name) \(type)\n\(prefix)_\(name) \(value)\n"
        }.joined()
    }
}
