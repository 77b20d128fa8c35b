import Foundation
import Testing

@testable import GuestAgent

/// Cgroup files and /proc are plain text; these tests lay out fake trees in temp directories.
@Suite struct CgroupAndMetricsTests {
    func tempDir() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("cg-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func readsStatsAndTreatsMaxAsNoLimit() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let files = [
            "memory.current": "4096\n", "memory.max": "max\n", "memory.stat": "anon 100\nfile 200\n",
            "cpu.stat": "usage_usec 7\nuser_usec 5\nsystem_usec 2\n", "pids.current": "3\n",
            "pids.max": "64\n",
        ]
        for (name, text) in files {
            try text.write(to: dir.appendingPathComponent(name), atomically: true, encoding: .utf8)
        }
        let stats = CgroupV2(path: dir.path).stats()
        #expect(stats.memoryUsage == 4096)
        #expect(stats.memoryLimit == nil)
        #expect(stats.memoryStat == ["anon": 100, "file": 200])
        #expect(stats.cpuUsageMicros == 7 && stats.cpuUserMicros == 5 && stats.cpuSystemMicros == 2)
        #expect(stats.pidsCurrent == 3 && stats.pidsLimit == 64)
    }

    @Test func writesLimitsInCgroupV2Syntax() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["memory.max", "cpu.max", "cpu.weight", "pids.max"] {
            FileManager.default.createFile(atPath: dir.appendingPathComponent(name).path, contents: nil)
        }
        try CgroupV2(path: dir.path).apply(
            .init(memoryMax: 1 << 20, cpuQuota: 50000, cpuPeriod: 100000, cpuShares: 1024, pidsMax: -1))
        func read(_ name: String) throws -> String {
            try String(contentsOf: dir.appendingPathComponent(name), encoding: .utf8)
        }
        #expect(try read("memory.max") == "1048576")
        #expect(try read("cpu.max") == "50000 100000")
        #expect(try read("cpu.weight") == "39")
        #expect(try read("pids.max") == "max")
    }

    @Test func updateOfAMissingCgroupNamesTheFile() {
        #expect(throws: (any Error).self) {
            try CgroupV2(path: "/nonexistent-cgroup").apply(.init(pidsMax: 5))
        }
    }

    @Test func containerPathsStayUnderTheMount() {
        #expect(CgroupV2.forContainer(id: "c", cgroupsPath: "/default/c", mount: "/m").path == "/m/default/c")
        #expect(CgroupV2.forContainer(id: "c", cgroupsPath: "../../etc", mount: "/m").path == "/m/etc")
        #expect(
            CgroupV2.forContainer(id: "c", cgroupsPath: "system.slice:cri:c", mount: "/m").path == "/m/kata/c"
        )
    }

    @Test func guestMetricsAreValidPrometheusText() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        try "MemTotal:       1000 kB\nMemFree:         500 kB\n".write(
            to: dir.appendingPathComponent("meminfo"), atomically: true, encoding: .utf8)
        try "0.10 0.20 0.30 2/55 99\n".write(
            to: dir.appendingPathComponent("loadavg"), atomically: true, encoding: .utf8)
        try "cpu  1 2 3 4 5 6 7 8 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n".write(
            to: dir.appendingPathComponent("stat"), atomically: true, encoding: .utf8)
        let text = GuestMetrics(procRoot: dir.path).render()
        #expect(text.contains("kata_guest_meminfo{item=\"MemTotal\"} 1024000\n"))
        #expect(text.contains("kata_guest_load{window=\"15m\"} 0.30\n"))
        #expect(text.contains("kata_guest_tasks{state=\"total\"} 55\n"))
        #expect(text.contains("kata_guest_cpu_time{cpu=\"total\",item=\"steal\"} 8\n"))
        #expect(text.contains("kata_guest_cpu_time{cpu=\"0\",item=\"user\"} 1\n"))
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            #expect(line.split(separator: " ").count == 2, "bad sample line: \(line)")
        }
    }

    @Test func agentMetricsCountDescriptors() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(at: dir) }
        let fds = dir.appendingPathComponent("self/fd")
        try FileManager.default.createDirectory(at: fds, withIntermediateDirectories: true)
        for name in ["0", "1", "2", "7"] {
            FileManager.default.createFile(atPath: fds.appendingPathComponent(name).path, contents: nil)
        }
        let metrics = GuestMetrics(procRoot: dir.path)
        #expect(metrics.openDescriptorCount() == 4)
        let text = metrics.renderAgent(execRecords: 3)
        #expect(text.contains("kata_agent_open_fds 4\n"))
        #expect(text.contains("kata_agent_exec_records 3\n"))
        // This process's real table: the directory's own descriptor is not counted.
        let real = try #require(GuestMetrics().openDescriptorCount())
        #expect(real >= 3)
    }
}
