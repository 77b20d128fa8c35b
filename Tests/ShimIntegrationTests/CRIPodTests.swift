import Foundation
import Testing

/// Two containers in one pod sandbox through containerd's CRI plugin, as the kubelet would
/// drive it: tests/cri/pod_test.py (our own CRI v1 client, python grpcio from `make cri-venv`)
/// against a private containerd whose `kata` runtime handler is the built shim's absolute path.
/// The runc variant shows the same script passing on containerd's default runtime.
@Suite struct CRIPodTests {
    static let pauseImage = "registry.k8s.io/pause:kata-local"
    static let python = PrivateContainerd.repo + "/build/cri-venv/bin/python3"
    static let script = PrivateContainerd.repo + "/tests/cri/pod_test.py"

    @Test func twoContainersInOneRuncPod() async throws {
        try await runPodTest(handler: "runc", expect: "host")
    }

    /// Both containers must land in the pod's VM: same guest boot_id, a kernel not the host's.
    @Test func twoContainersInOneKataPod() async throws {
        try await runPodTest(handler: "kata", expect: "vm")
    }

    /// The shipped handlers (configuration/containerd/kata-runtimes.toml), registered by the
    /// script `make install` uses: `kata-qemu` reads its own ConfigPath (2 vCPUs, where the
    /// shim's KATA_CONF_FILE says 1) and receives the pod's annotations (default_memory 512,
    /// where both files say 256), so the guest the containers see is sized by both.
    @Test func shippedKataQemuHandlerTakesItsConfigPathAndPodAnnotations() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent(
            "kata-handlers-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let handlerConfig = try PrivateContainerd.testConfiguration().replacingOccurrences(
            of: #"(?m)^default_vcpus = .*$"#, with: "default_vcpus = 2", options: .regularExpression)
        try handlerConfig.write(
            toFile: directory + "/configuration-qemu.toml", atomically: true, encoding: .utf8)
        let shipped = try String(
            contentsOfFile: PrivateContainerd.repo + "/configuration/containerd/kata-runtimes.toml",
            encoding: .utf8)
        let snippet = shipped.replacingOccurrences(
            of: "\"/usr/share/defaults/kata-containers/configuration-qemu.toml\"",
            with: "\"\(directory)/configuration-qemu.toml\"")
        #expect(snippet != shipped, "the shipped kata-qemu handler names configuration-qemu.toml")
        try snippet.write(toFile: directory + "/kata-runtimes.toml", atomically: true, encoding: .utf8)
        try await runPodTest(
            handler: "kata-qemu", expect: "vm",
            environment: ["CRI_KATA_SNIPPET": directory + "/kata-runtimes.toml"],
            extra: [
                "--pod-annotation", "io.katacontainers.config.hypervisor.default_memory=512",
                "--expect-cpus", "2", "--expect-mem-total-mib", "400:512",
            ])
    }

    func runPodTest(
        handler: String, expect: String, environment: [String: String] = [:], extra: [String] = []
    ) async throws {
        guard FileManager.default.isExecutableFile(atPath: Self.python) else {
            throw CommandFailure("\(Self.python) missing: run `make cri-venv` first")
        }
        let ctrd = try await Self.startCRIContainerd(environment: environment)
        defer { ctrd.stop() }
        let result = try await Command.run(
            [
                Self.python, Self.script, "--socket", ctrd.socket, "--handler", handler,
                "--image", PrivateContainerd.image, "--expect", expect,
            ] + extra, timeout: 600)
        #expect(
            result.status == 0,
            "pod_test.py (\(handler)) exited \(result.status)\nstdout:\n\(result.stdout)\nstderr:\n\(result.stderr)"
        )
        #expect(result.stdout.hasSuffix("pod test passed\n"))
    }

    /// A private containerd with the CRI `kata` handler on the shim's path, the busybox and
    /// pause images in the `k8s.io` namespace (the one CRI uses), and the pause image as the
    /// sandbox image (no registry to pull one from).
    static func startCRIContainerd(environment: [String: String] = [:]) async throws -> PrivateContainerd {
        let ctrd = try await PrivateContainerd.start(
            environment: [
                "CRI_RUNTIME_HANDLERS": "kata=\(PrivateContainerd.findShim())",
                "CRI_SANDBOX_IMAGE": pauseImage,
            ].merging(environment) { $1 })
        do {
            let pauseTar = ctrd.work + "/pause.tar"
            let built = try await Command.run(
                [
                    PrivateContainerd.repo + "/scripts/busybox-image.sh", pauseTar, pauseImage,
                    "/bin/sleep", "infinity",
                ], timeout: 60)
            guard built.status == 0 else { throw CommandFailure("pause image build failed: \(built.stderr)") }
            for tar in [ctrd.work + "/busybox.tar", pauseTar] {
                let imported = try await ctrd.ctr(["-n", "k8s.io", "images", "import", tar], timeout: 60)
                guard imported.status == 0 else {
                    throw CommandFailure("import of \(tar) into k8s.io failed: \(imported.stderr)")
                }
            }
            return ctrd
        } catch {
            ctrd.stop()
            throw error
        }
    }
}
