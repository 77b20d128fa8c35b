import Foundation
import Prometheus
import Testing

@testable import Shim

/// The shim's own series under upstream's names, read from a fake /proc.
@Suite struct ProcessFiguresTests {
    @Test func statusAndStatBecomeUpstreamSeries() throws {
        let proc = FileManager.default.temporaryDirectory.appendingPathComponent(
            "proc-\(UUID().uuidString.prefix(6))"
        ).path
        defer { try? FileManager.default.removeItem(atPath: proc) }
        try FileManager.default.createDirectory(atPath: "\(proc)/42/fd", withIntermediateDirectories: true)
        for fd in 0..<3 { FileManager.default.createFile(atPath: "\(proc)/42/fd/\(fd)", contents: nil) }
        try
            "Name:\tqemu\nVmHWM:\t  2048 kB\nVmRSS:\t  1024 kB\nThreads:\t7\nvoluntary_ctxt_switches:\t12\nVmRSS:\tjunk kB\n"
            .write(toFile: "\(proc)/42/status", atomically: true, encoding: .utf8)
        try "42 (qemu (x) y) S 1 2 3 4 5 6 7 8 9 10 111 222 3 4 20 0\n"
            .write(toFile: "\(proc)/42/stat", atomically: true, encoding: .utf8)
        let figures = try #require(ProcessFigures.read(pid: 42, proc: proc))
        #expect(figures.threads == 7 && figures.openFiles == 3)
        #expect(figures.status == ["vmhwm": 2_097_152, "vmrss": 1_048_576, "voluntary_ctxt_switches": 12])
        #expect(figures.stat == ["utime": 111, "stime": 222, "cutime": 3, "cstime": 4])

        let registry = PrometheusCollectorRegistry()
        figures.record(into: registry, prefix: "kata_hypervisor", process: "Hypervisor")
        let text = registry.emitToString()
        #expect(text.contains("kata_hypervisor_threads 7.0\n"))
        #expect(text.contains("kata_hypervisor_fds 3.0\n"))
        #expect(text.contains(#"kata_hypervisor_proc_status{item="vmrss"} 1048576"#))
        #expect(text.contains(#"kata_hypervisor_proc_stat{item="stime"} 222"#))
        #expect(text.contains("# HELP kata_hypervisor_threads"))
        #expect(ProcessFigures.read(pid: 43, proc: proc) == nil)
    }
}
