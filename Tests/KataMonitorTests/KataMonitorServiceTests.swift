import Foundation
import KataCore
import LocalHTTP
import Logging
import NIOHTTP1
import Runtime
import Testing

@testable import KataMonitor

/// kata-monitor against stand-in shims: real HTTP servers on real management sockets in a
/// private state root (a real shim needs a VM; ShimIntegrationTests' KataMonitorPrometheusTests
/// runs the real ones under a real Prometheus).
@Suite struct KataMonitorServiceTests {
    final class StateRoot: Sendable {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kata-monitor-\(UUID().uuidString.prefix(8))"
        ).path
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    /// A stand-in shim for sandbox `id`: its state file (with `pod`) and a management socket.
    static func standInShim(
        _ root: String, _ id: String, pod: PodIdentity? = nil, metrics: @escaping @Sendable () async -> String
    ) async throws -> LocalHTTPServer {
        var state = SandboxState(paths: SandboxPaths(sandboxID: id, stateRoot: root))
        state.pod = pod
        try state.save()
        return try await LocalHTTPServer.start(
            socketPath: "\(root)/\(id)/shim-monitor.sock",
            routes: [
                "/metrics": .prometheus(metrics),
                "/agent-url": HTTPRoute(fixed: .init(body: "unix:///run/vc/sbs/\(id)/vm/agent.sock")),
            ])
    }

    static func waitFor(_ registry: SandboxRegistry, ids: [String]) async throws {
        let deadline = ContinuousClock.now + .seconds(10)
        while await registry.sorted.map(\.id) != ids {
            guard ContinuousClock.now < deadline else {
                Issue.record("registry shows \(await registry.sorted.map(\.id)), expected \(ids)")
                return
            }
            try await Task.sleep(for: .milliseconds(20))
        }
    }

    @Test func shimsAreFoundAsTheyComeAndGoAndTheirSeriesLabelled() async throws {
        let root = StateRoot()
        let registry = SandboxRegistry(root: root.path)
        // The root does not exist yet: the watcher waits for it.
        let watcher = try DirectoryWatcher(root: root.path) { Task { await registry.rescan() } }
        watcher.start()
        defer { watcher.stop() }
        let service = KataMonitorService(registry: registry, logger: Logger(label: "test"))

        let pod = PodIdentity(uid: "0b5e-uid", name: "web-1", namespace: "shop")
        let first = try await Self.standInShim(root.path, "sandbox-a", pod: pod) {
            "# TYPE kata_hypervisor_threads gauge\nkata_hypervisor_threads 5\n"
        }
        let second = try await Self.standInShim(root.path, "sandbox-b") {
            "# TYPE kata_hypervisor_threads gauge\nkata_hypervisor_threads 6\nkata_monitor_scrape_count 999\n"
        }
        try await Self.waitFor(registry, ids: ["sandbox-a", "sandbox-b"])

        let text = await service.scrape()
        #expect(
            text.contains(
                #"kata_hypervisor_threads{sandbox_id="sandbox-a",cri_uid="0b5e-uid",cri_name="web-1",cri_namespace="shop"} 5"#
            ))
        #expect(text.contains(#"kata_hypervisor_threads{sandbox_id="sandbox-b"} 6"#))
        #expect(text.components(separatedBy: "# TYPE kata_hypervisor_threads").count == 2)
        #expect(text.contains("kata_monitor_running_shim_count 2"))
        #expect(!text.contains("999"), "a shim cannot forge kata-monitor's own series")

        let listed = await service.sandboxes(.init(query: [:], accept: "*/*"))
        #expect(listed.body == "sandbox-a\nsandbox-b\n")
        let html = await service.sandboxes(.init(query: [:], accept: "text/html"))
        #expect(html.body.contains(#"<a href="/agent-url?sandbox=sandbox-a">"#))
        let url = await service.agentURL(.init(query: ["sandbox": "sandbox-b"], accept: ""))
        #expect(url.status == .ok && url.body == "unix:///run/vc/sbs/sandbox-b/vm/agent.sock")
        #expect(await service.agentURL(.init(query: [:], accept: "")).status == .badRequest)
        #expect(await service.agentURL(.init(query: ["sandbox": "../etc"], accept: "")).status == .badRequest)
        #expect(await service.agentURL(.init(query: ["sandbox": "gone"], accept: "")).status == .notFound)

        // A shim that goes: its socket and directory are removed, and it drops out.
        await first.stop()
        try FileManager.default.removeItem(atPath: "\(root.path)/sandbox-a")
        try await Self.waitFor(registry, ids: ["sandbox-b"])
        #expect(!(await service.scrape()).contains("sandbox-a"))
        await second.stop()
    }

    @Test func aHungShimCannotStallTheScrapePastItsDeadline() async throws {
        let root = StateRoot()
        try FileManager.default.createDirectory(atPath: root.path, withIntermediateDirectories: true)
        let registry = SandboxRegistry(root: root.path)
        var service = KataMonitorService(registry: registry, logger: Logger(label: "test"))
        // Long enough for the answering shim on a loaded machine (the parallel unit run).
        service.shimTimeout = .seconds(5)
        let hung = try await Self.standInShim(root.path, "hung") {
            try? await Task.sleep(for: .seconds(120))
            return ""
        }
        let fine = try await Self.standInShim(root.path, "fine") { "up 1\n" }
        await registry.rescan()
        let started = ContinuousClock.now
        let text = await service.scrape()
        let elapsed = ContinuousClock.now - started
        // The hung shim would hold it 120 s; the bound is loose for a loaded parallel test run.
        #expect(elapsed < .seconds(30), "scrape took \(elapsed)")
        #expect(text.contains(#"up{sandbox_id="fine"} 1"#))
        #expect(text.contains("kata_monitor_scrape_failed_count 1"))
        await hung.stop()
        await fine.stop()
    }

    @Test(arguments: ["127.0.0.1:8090", ":9", "[::1]:80"])
    func listenAddressesParse(_ address: String) throws {
        let (host, port) = try KataMonitorCommand.hostAndPort(address)
        #expect(!host.isEmpty && port > 0)
    }

    @Test(arguments: ["8090", "host:", "host:70000", "host:x"])
    func badListenAddressesAreRefused(_ address: String) {
        #expect(throws: (any Error).self) { try KataMonitorCommand.hostAndPort(address) }
    }
}
