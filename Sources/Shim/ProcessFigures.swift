import Foundation
import Prometheus

/// Figures about one process from /proc, for the shim's Prometheus metrics, under upstream's
/// names: `<prefix>_threads`, `<prefix>_fds`, `<prefix>_proc_status{item}` (from
/// /proc/PID/status, sizes in bytes) and `<prefix>_proc_stat{item}` (CPU time in clock ticks).
struct ProcessFigures: Sendable, Equatable {
    var threads: UInt64 = 0
    var openFiles: UInt64 = 0
    /// /proc/PID/status items upstream exports, lower-cased (vmrss, vmhwm, ...).
    var status: [String: UInt64] = [:]
    /// utime, stime, cutime, cstime.
    var stat: [String: UInt64] = [:]

    static let statusItems = [
        "VmPeak", "VmSize", "VmLck", "VmPin", "VmHWM", "VmRSS", "RssAnon", "RssFile", "RssShmem", "VmData",
        "VmStk", "VmExe", "VmLib", "VmPTE", "VmSwap", "HugetlbPages", "voluntary_ctxt_switches",
        "nonvoluntary_ctxt_switches",
    ]

    /// Reads /proc/PID/status, /proc/PID/stat and /proc/PID/fd; nil when the process is gone.
    static func read(pid: Int32, proc: String = "/proc") -> ProcessFigures? {
        guard let text = try? String(contentsOfFile: "\(proc)/\(pid)/status", encoding: .utf8) else {
            return nil
        }
        var figures = ProcessFigures()
        for line in text.split(separator: "\n") {
            let parts = line.split(whereSeparator: { $0 == ":" || $0 == " " || $0 == "\t" })
            guard parts.count >= 2, let value = UInt64(parts[1]) else { continue }
            let key = String(parts[0])
            if key == "Threads" { figures.threads = value }
            guard statusItems.contains(key) else { continue }
            figures.status[key.lowercased()] = parts.count > 2 && parts[2] == "kB" ? kibibytes(value) : value
        }
        figures.openFiles = UInt64(
            (try? FileManager.default.contentsOfDirectory(atPath: "\(proc)/\(pid)/fd"))?.count ?? 0)
        if let stat = try? String(contentsOfFile: "\(proc)/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        {
            // Fields after "comm)": state is the 3rd overall; utime, stime, cutime, cstime the 14th-17th.
            let rest = stat[stat.index(after: close)...].split(separator: " ")
            for (index, item) in ["utime", "stime", "cutime", "cstime"].enumerated()
            where rest.count > 11 + index {
                if let ticks = UInt64(rest[11 + index]) { figures.stat[item] = ticks }
            }
        }
        return figures
    }

    /// A /proc kB figure in bytes, saturating rather than trapping on a value from the file.
    static func kibibytes(_ value: UInt64) -> UInt64 {
        let (bytes, overflow) = value.multipliedReportingOverflow(by: 1024)
        return overflow ? .max : bytes
    }

    /// Sets this process's gauges in `registry`, each named `<prefix>_...` (prefix e.g. "kata_shim").
    func record(into registry: PrometheusCollectorRegistry, prefix: String, process: String) {
        func gauge(_ name: String, _ help: String, _ labels: [(String, String)] = []) -> Gauge {
            registry.makeGauge(
                descriptor: MetricNameDescriptor(
                    metricName: "\(prefix)_\(name)", unitName: "", helpText: help),
                labels: labels)
        }
        gauge("threads", "\(process) process threads.").set(Int64(clamping: threads))
        gauge("fds", "Open file descriptors of the \(process) process.").set(Int64(clamping: openFiles))
        for (item, value) in status.sorted(by: { $0.key < $1.key }) {
            gauge(
                "proc_status", "\(process) process status (/proc/PID/status; sizes in bytes).",
                [("item", item)]
            )
            .set(Int64(clamping: value))
        }
        for (item, value) in stat.sorted(by: { $0.key < $1.key }) {
            gauge("proc_stat", "\(process) process CPU time (/proc/PID/stat, clock ticks).", [("item", item)])
                .set(Int64(clamping: value))
        }
    }
}
