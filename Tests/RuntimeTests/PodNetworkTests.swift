import Foundation
import KataConfig
import KataCore
import Testing

@testable import Runtime

/// The tcfilter wiring on a real network namespace of the test's own (`ip netns add`, a veth
/// pair inside it): attach makes the tap, the ingress qdiscs and both redirects over
/// rtnetlink; closing the taps and detaching leaves nothing; the crash clean-up path does the
/// same from the persisted state alone. Needs root (as every suite here).
@Suite(.serialized) struct PodNetworkTests {
    static func ip(_ arguments: [String]) throws -> (status: Int32, output: String) {
        let process = Foundation.Process()
        process.executableURL = URL(fileURLWithPath: "/sbin/" + (arguments[0] == "tc" ? "tc" : "ip"))
        process.arguments = arguments[0] == "tc" ? Array(arguments.dropFirst()) : arguments
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    /// A namespace with `eth0` (10.99.7.2/24, default route via .1) whose peer stays inside.
    static func withNamespace(_ body: (String, String) async throws -> Void) async throws {
        let name = "kata-nt-\(UUID().uuidString.prefix(6).lowercased())"
        #expect(try ip(["netns", "add", name]).status == 0)
        defer { _ = try? ip(["netns", "del", name]) }
        for step in [
            ["-n", name, "link", "add", "eth0", "type", "veth", "peer", "name", "peer0"],
            ["-n", name, "addr", "add", "10.99.7.2/24", "dev", "eth0"],
            ["-n", name, "link", "set", "eth0", "up"], ["-n", name, "link", "set", "peer0", "up"],
            ["-n", name, "route", "add", "default", "via", "10.99.7.1"],
        ] {
            let result = try ip(step)
            #expect(result.status == 0, "ip \(step): \(result.output)")
        }
        try await body(name, "/var/run/netns/\(name)")
    }

    @Test func attachWiresATapBothWaysAndDetachRemovesIt() async throws {
        try await Self.withNamespace { name, path in
            let network = try await PodNetwork.attach(NetworkPlan(namespacePath: path))
            // Both ends of the pair are veths: each gets a tap.
            #expect(network.endpoints.count == 2)
            let eth0 = try #require(network.endpoints.first { $0.link.interface == "eth0" })
            #expect(eth0.guest.addresses.map { "\($0.address)/\($0.prefixLength)" } == ["10.99.7.2/24"])
            let link = try Self.ip(["-n", name, "-o", "link", "show", "eth0"]).output
            #expect(link.contains(eth0.guest.macAddress), "\(link)")
            #expect(network.routes.first { $0.destination.isEmpty }?.gateway == "10.99.7.1")
            #expect(network.routes.firstIndex { $0.gateway.isEmpty } == 0, "connected routes first")
            let tap = try Self.ip(["-n", name, "-o", "link", "show", eth0.link.tap]).output
            #expect(tap.contains("UP") || tap.contains("state"), "\(tap)")
            let qdiscs = try Self.ip(["tc", "-n", name, "qdisc", "show", "dev", "eth0"]).output
            #expect(qdiscs.contains("ingress"), "\(qdiscs)")
            let forward = try Self.ip(["tc", "-n", name, "filter", "show", "dev", "eth0", "ingress"]).output
            #expect(forward.contains("mirred") && forward.contains(eth0.link.tap), "\(forward)")
            let back = try Self.ip(["tc", "-n", name, "filter", "show", "dev", eth0.link.tap, "ingress"])
                .output
            #expect(back.contains("mirred") && back.contains("eth0"), "\(back)")

            network.closeDescriptors()
            #expect(await PodNetwork.detach(network.state) == [])
            let links = try Self.ip(["-n", name, "-o", "link", "show"]).output
            #expect(!links.contains("_kata"), "\(links)")
            let after = try Self.ip(["tc", "-n", name, "qdisc", "show", "dev", "eth0"]).output
            #expect(!after.contains("ingress"), "\(after)")
        }
    }

    /// After a crash the shim has only the state file: the taps are gone with their
    /// descriptors, and the qdiscs go by name.
    @Test func crashCleanUpRemovesTheQdiscsByName() async throws {
        try await Self.withNamespace { name, path in
            let network = try await PodNetwork.attach(NetworkPlan(namespacePath: path))
            network.closeDescriptors()
            let data = try JSONEncoder().encode(network.state)
            let persisted = try JSONDecoder().decode(NetworkState.self, from: data)
            #expect(PodNetwork.detachWaiting(persisted) == [])
            let qdiscs = try Self.ip(["tc", "-n", name, "qdisc", "show"]).output
            #expect(!qdiscs.contains("ingress"), "\(qdiscs)")
            // Again: nothing left to remove is not an error.
            #expect(PodNetwork.detachWaiting(persisted) == [])
        }
    }

    @Test func aNamespaceWithoutAVethIsRefused() async throws {
        let name = "kata-nt-\(UUID().uuidString.prefix(6).lowercased())"
        #expect(try Self.ip(["netns", "add", name]).status == 0)
        defer { _ = try? Self.ip(["netns", "del", name]) }
        await #expect(throws: KataError.self) {
            _ = try await PodNetwork.attach(NetworkPlan(namespacePath: "/var/run/netns/\(name)"))
        }
        await #expect(throws: KataError.self) {
            _ = try await PodNetwork.attach(NetworkPlan(namespacePath: "/proc/self/status"))
        }
    }

    @Test func plannerTakesTheNamespaceOnlyForTcfilter() throws {
        let host = try PlannerHost.make(.plainIntel)
        var configuration = try plainConfiguration(host)
        func planned(_ namespace: String?) throws -> NetworkPlan? {
            try LaunchPlanner(configuration: configuration, host: host.facts).plan(
                LaunchRequest(sandboxID: "sb1", paths: testPaths, networkNamespace: namespace)
            ).network
        }
        #expect(try planned("/var/run/netns/cni-1") == NetworkPlan(namespacePath: "/var/run/netns/cni-1"))
        #expect(try planned(nil) == nil)
        _ = refusal(.invalidArgument) { try planned("relative/netns") as Any }
        _ = refusal(.invalidArgument) { try planned("/var/run/netns/../../etc") as Any }
        configuration.runtime.internetworkingModel = "none"
        #expect(try planned("/var/run/netns/cni-1") == nil)
        configuration.runtime.disableNewNetns = true
        #expect(try planned("/var/run/netns/cni-1") == nil)
        configuration.runtime.disableNewNetns = false
        configuration.runtime.internetworkingModel = "macvtap"
        _ = refusal(.unsupported) { try planned("/var/run/netns/cni-1") as Any }
    }
}
