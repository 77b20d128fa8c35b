import Foundation
import Testing

/// Pod networking through containerd's CRI plugin with a real CNI bridge network (Debian's
/// containernetworking-plugins: bridge + host-local, loopback added by containerd): two kata
/// pods and two runc pods, tests/cri/network_test.py. The bridge and its subnet are private to
/// the test; the bridge is removed at the end.
@Suite(.serialized) struct CRINetworkTests {
    static let script = PrivateContainerd.repo + "/tests/cri/network_test.py"
    static let bridge = "kata-cni-test"
    static let subnet = "10.88.77.0/24"

    @Test func kataAndRuncPodsTalkOverTheCNIBridge() async throws {
        guard FileManager.default.isExecutableFile(atPath: CRIPodTests.python) else {
            throw CommandFailure("\(CRIPodTests.python) missing: run `make cri-venv` first")
        }
        guard FileManager.default.fileExists(atPath: "/usr/lib/cni/bridge") else {
            throw CommandFailure(
                "/usr/lib/cni/bridge missing: `make deps` installs containernetworking-plugins")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kata-cni-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(
            atPath: directory + "/conf", withIntermediateDirectories: true)
        defer {
            _ = try? Process.run(URL(fileURLWithPath: "/sbin/ip"), arguments: ["link", "del", Self.bridge])
                .waitUntilExit()
            try? FileManager.default.removeItem(atPath: directory)
        }
        let conflist = """
            {"cniVersion": "0.4.0", "name": "kata-cni-test", "plugins": [
              {"type": "bridge", "bridge": "\(Self.bridge)", "isGateway": true, "ipMasq": false,
               "ipam": {"type": "host-local", "ranges": [[{"subnet": "\(Self.subnet)"}]],
                        "routes": [{"dst": "0.0.0.0/0"}], "dataDir": "\(directory)/ipam"}}]}
            """
        try conflist.write(
            toFile: directory + "/conf/10-kata-cni-test.conflist", atomically: true, encoding: .utf8)
        let ctrd = try await CRIPodTests.startCRIContainerd(environment: [
            "CRI_CNI_CONF_DIR": directory + "/conf"
        ])
        defer { ctrd.stop() }
        let result = try await Command.run(
            [
                CRIPodTests.python, Self.script, "--socket", ctrd.socket, "--kata-handler", "kata",
                "--image", PrivateContainerd.image,
            ], timeout: 900)
        print(result.stdout.split(separator: "\n").filter { $0.hasPrefix("figure:") }.joined(separator: "\n"))
        // On failure: what the shims logged about the network (containerd keeps their logs).
        let log =
            (try? String(contentsOfFile: ctrd.work + "/containerd/containerd.log", encoding: .utf8)) ?? ""
        let shimLines = log.split(separator: "\n").filter {
            $0.contains("network") || $0.contains("level=error") || $0.contains("console")
        }
        #expect(
            result.status == 0,
            """
            network_test.py exited \(result.status)\nstdout:\n\(result.stdout)\nstderr:\n\(result.stderr)
            containerd log:\n\(shimLines.suffix(30).joined(separator: "\n"))
            """)
        #expect(result.stdout.hasSuffix("network test passed\n"))
    }
}
