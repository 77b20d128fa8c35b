import Foundation
import Testing

/// Volumes, DNS, hostname and /etc/hosts through containerd's CRI plugin
/// (tests/cri/volume_test.py): one pod on the virtio-9p `kata` handler, one on a
/// `shared_fs = "none"` (coco-dev) handler, two containers each, one containerd for both.
@Suite(.serialized) struct CRIVolumeTests {
    static let script = PrivateContainerd.repo + "/tests/cri/volume_test.py"

    @Test func volumesOfA9pPod() async throws {
        try await runVolumeTest(handler: "kata", sharing: "9p")
    }

    @Test func volumesOfASharedNothingPod() async throws {
        try await runVolumeTest(handler: "kata-none", sharing: "none")
    }

    func runVolumeTest(handler: String, sharing: String) async throws {
        guard FileManager.default.isExecutableFile(atPath: CRIPodTests.python) else {
            throw CommandFailure("\(CRIPodTests.python) missing: run `make cri-venv` first")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kata-volumes-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let snippet = try Self.sharedNothingHandler(directory: directory)
        let ctrd = try await CRIPodTests.startCRIContainerd(environment: ["CRI_KATA_SNIPPET": snippet])
        defer { ctrd.stop() }
        let result = try await Command.run(
            [
                CRIPodTests.python, Self.script, "--socket", ctrd.socket, "--handler", handler,
                "--image", PrivateContainerd.image, "--sharing", sharing,
            ], timeout: 600)
        print(result.stdout)  // the checks that passed, with their figures, in the test log
        #expect(
            result.status == 0,
            "volume_test.py (\(handler)) exited \(result.status)\nstdout:\n\(result.stdout)\nstderr:\n\(result.stderr)"
        )
        #expect(result.stdout.hasSuffix("volume test passed\n"))
    }

    /// A `kata-none` CRI handler whose ConfigPath is the coco-dev file (shared_fs = "none")
    /// with the test's kernel, initrd and memory.
    static func sharedNothingHandler(directory: String) throws -> String {
        let text = try PrivateContainerd.cocoDevTestConfiguration()
        try text.write(toFile: directory + "/coco-dev.toml", atomically: true, encoding: .utf8)
        let table = #"[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-none]"#
        let snippet = """
            version = 2
            \(table)
              runtime_type = "io.containerd.kata.v2"
              [plugins."io.containerd.grpc.v1.cri".containerd.runtimes.kata-none.options]
                ConfigPath = "\(directory)/coco-dev.toml"

            """
        try snippet.write(toFile: directory + "/kata-none.toml", atomically: true, encoding: .utf8)
        return directory + "/kata-none.toml"
    }
}
