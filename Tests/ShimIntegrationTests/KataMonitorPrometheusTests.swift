import Foundation
import KataCore
import Testing

/// kata-monitor over real shims and VMs, scraped by the real Prometheus server (Debian's
/// `prometheus`, fetched by `make prometheus` into build/prometheus), checked by promtool.
@Suite(.serialized, .privateContainerd)
struct KataMonitorPrometheusTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }
    static let prometheusDir = PrivateContainerd.repo + "/build/prometheus/usr/bin"

    @Test func prometheusScrapesEverySandboxAndDropsTheOneThatGoes() async throws {
        let ids = [
            "mon-a-\(UUID().uuidString.prefix(6).lowercased())",
            "mon-b-\(UUID().uuidString.prefix(6).lowercased())",
        ]
        defer { Task { for id in ids { await ctrd.forceRemove(id) } } }
        for id in ids { try await ctrd.runDetached(id, ["/bin/sleep", "600"]) }

        let work = ctrd.work + "/monitor"
        try FileManager.default.createDirectory(atPath: work + "/tsdb", withIntermediateDirectories: true)
        let monitorPort = try Self.freePort()
        let monitor = try BackgroundCommand(
            [
                PrivateContainerd.binDirectory + "/kata-monitor", "--listen-address",
                "127.0.0.1:\(monitorPort)",
                "--runtime-endpoint", ctrd.socket, "--log-level", "debug",
            ],
            outputPath: work + "/kata-monitor.log")
        defer {
            kill(monitor.pid, SIGTERM)
            _ = monitor.exitStatus()
        }
        let base = "http://127.0.0.1:\(monitorPort)"
        try await Self.eventually("kata-monitor lists both sandboxes", within: 30) {
            let listed = try await Self.get(base + "/sandboxes")
            return Set(listed.split(separator: "\n").map(String.init)).isSuperset(of: ids)
        }

        // Both expositions parse; the only lint complaints are about upstream's own names.
        let scraped = try await Self.get(base + "/metrics")
        for id in ids {
            #expect(
                scraped.contains("kata_hypervisor_threads{sandbox_id=\"\(id)\"}"), "\(scraped.prefix(2000))")
        }
        try await Self.expectPromtoolAccepts(scraped, what: "kata-monitor /metrics", ownSeriesOnly: true)
        let shim = try await Command.run(
            [
                "/usr/bin/curl", "-sf", "-m", "20", "--unix-socket",
                "/run/vc/sbs/\(ids[0])/shim-monitor.sock",
                "http://localhost/metrics",
            ], timeout: 30)
        #expect(shim.status == 0)
        try await Self.expectPromtoolAccepts(shim.stdout, what: "the shim's /metrics")
        let metrics = try await Command.run(
            [PrivateContainerd.binDirectory + "/kata-runtime", "metrics", ids[0]], timeout: 30)
        #expect(
            metrics.status == 0 && metrics.stdout.contains("kata_hypervisor_threads "), "\(metrics.stderr)")
        let missing = try await Command.run(
            [PrivateContainerd.binDirectory + "/kata-runtime", "metrics", "no-such-sandbox"], timeout: 30)
        #expect(missing.status != 0 && missing.stderr.contains("no-such-sandbox"), "\(missing.stderr)")
        let agentURL = try await Self.get(base + "/agent-url?sandbox=\(ids[0])")
        #expect(agentURL == "unix:///run/vc/sbs/\(ids[0])/vm/agent.sock")

        // Prometheus scrapes kata-monitor every second.
        let prometheusPort = try Self.freePort()
        try """
        global:
          scrape_interval: 1s
          scrape_timeout: 1s
        scrape_configs:
          - job_name: kata
            static_configs:
              - targets: ["127.0.0.1:\(monitorPort)"]
        """.write(toFile: work + "/prometheus.yml", atomically: true, encoding: .utf8)
        let prometheus = try BackgroundCommand(
            [
                Self.prometheusDir + "/prometheus", "--config.file=\(work)/prometheus.yml",
                "--storage.tsdb.path=\(work)/tsdb", "--web.listen-address=127.0.0.1:\(prometheusPort)",
            ],
            outputPath: work + "/prometheus.log")
        defer { prometheus.stop() }
        let query = "http://127.0.0.1:\(prometheusPort)/api/v1/query?query=kata_hypervisor_threads"
        try await Self.eventually("Prometheus has kata_hypervisor_threads of both sandboxes", within: 60) {
            Set(try await Self.sandboxIDs(query)).isSuperset(of: ids)
        }

        // SIGKILL one shim: containerd's clean-up removes its sandbox; it leaves /sandboxes and
        // its series go stale in Prometheus.
        let shimPID = try #require(HostProcesses.shimPID(for: ids[1]))
        kill(shimPID, SIGKILL)
        try await Self.eventually("the killed shim's sandbox leaves /sandboxes", within: 60) {
            !(try await Self.get(base + "/sandboxes")).contains(ids[1])
        }
        try await Self.eventually("its series go stale", within: 30) {
            let seen = try await Self.sandboxIDs(query)
            return seen.contains(ids[0]) && !seen.contains(ids[1])
        }

        // Figures: scrape latency with the running sandboxes, kata-monitor's peak RSS.
        let listed = try await Self.get(base + "/sandboxes").split(separator: "\n").count
        var times: [Double] = []
        for _ in 0..<10 {
            let started = Date()
            _ = try await Self.get(base + "/metrics")
            times.append(Date().timeIntervalSince(started) * 1000)
        }
        let status = (try? String(contentsOfFile: "/proc/\(monitor.pid)/status", encoding: .utf8)) ?? ""
        let peak = status.split(separator: "\n").first { $0.hasPrefix("VmHWM:") } ?? "?"
        print(
            "kata-monitor figures: /metrics over \(listed) sandbox(es) median "
                + "\(String(format: "%.1f", times.sorted()[5])) ms (10 scrapes); \(peak)")

        kill(monitor.pid, SIGTERM)
        #expect(await monitor.wait(timeout: 10) == 0, "kata-monitor exits 0 on SIGTERM")
    }

    // MARK: Helpers

    static func get(_ url: String) async throws -> String {
        let result = try await Command.run(["/usr/bin/curl", "-sf", "-m", "20", url], timeout: 30)
        guard result.status == 0 else { throw CommandFailure("GET \(url): curl exit \(result.status)") }
        return result.stdout
    }

    /// The `sandbox_id` labels of an instant query's result.
    static func sandboxIDs(_ url: String) async throws -> [String] {
        let body = try await get(url)
        guard let json = try JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
            let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]]
        else { throw CommandFailure("unexpected Prometheus answer: \(body.prefix(300))") }
        return result.compactMap { ($0["metric"] as? [String: String])?["sandbox_id"] }
    }

    /// promtool parses it (exit 1 is a parse error) and finds nothing to lint but the names
    /// upstream's kata-monitor uses for its own series. With `ownSeriesOnly`, lint complaints
    /// about relayed series are not ours to judge here (other sandboxes on this host, from other
    /// builds, may be relayed too); the shim's own exposition is checked whole.
    static func expectPromtoolAccepts(_ text: String, what: String, ownSeriesOnly: Bool = false) async throws
    {
        let check = try await Command.run(
            [prometheusDir + "/promtool", "check", "metrics"], stdin: text, timeout: 30)
        let upstreamNames = [
            "kata_monitor_scrape_count ", "kata_monitor_scrape_failed_count ",
            "kata_monitor_running_shim_count ",
            "kata_monitor_scrape_durations_histogram_milliseconds ",
        ]
        let complaints = (check.stdout + check.stderr).split(separator: "\n").filter { line in
            !upstreamNames.contains { line.hasPrefix($0) }
                && (!ownSeriesOnly || line.hasPrefix("kata_monitor_"))
        }
        #expect(
            check.status == 0 || check.status == 3, "\(what): promtool exit \(check.status): \(check.stderr)")
        #expect(complaints.isEmpty, "\(what): promtool: \(complaints.joined(separator: "; "))")
    }

    static func eventually(_ what: String, within seconds: TimeInterval, _ check: () async throws -> Bool)
        async throws
    {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? await check()) == true { return }
            try await Task.sleep(for: .milliseconds(500))
        }
        Issue.record("not within \(Int(seconds)) s: \(what)")
        throw CommandFailure(what)
    }

    /// A TCP port nothing listens on now (bound to port 0, then released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else { throw CommandFailure("no free port: errno \(errno)") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
