import Foundation
import Testing

/// Initdata end to end through the real containerd, QEMU (TCG) and the guest agent, on the
/// suite's plain configuration with `cc_init_data` enabled (the coco-dev file's `shared_fs =
/// "none"` runs containers only with block-device root filesystems, another branch's work).
/// The expected digest comes from `openssl dgst` on the document, not from the runtime.
@Suite(.serialized, .privateContainerd)
struct InitdataPodTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }
    static let annotation = "io.katacontainers.config.hypervisor.cc_init_data"

    static let document = """
        version = "0.1.0"
        algorithm = "sha384"

        [data]
        "aa.toml" = '''
        [token_configs.kbs]
        url = "http://127.0.0.1:8080"
        '''
        "policy.rego" = "package agent_policy\\n"

        """

    @Test func theGuestComputesTheHostsDigestFromTheReadOnlyDisk() async throws {
        let config = try configuration()
        let (value, digest) = try await encode(Self.document, algorithm: "sha384")
        let id = "initdata-\(UUID().uuidString.prefix(8).lowercased())"
        let run = try BackgroundCommand([
            "/usr/bin/ctr", "-a", ctrd.socket, "run", "--rm", "--runtime", "io.containerd.kata.v2",
            "--runtime-config-path", config, "--annotation", "\(Self.annotation)=\(value)",
            PrivateContainerd.image, id, "/bin/sleep", "600",
        ])
        defer { run.stop() }
        try await HostileInputTests.waitUntilRunning(id, ctrd: ctrd)

        // QEMU's argv as the kernel has it: the disk, read-only, on virtio-blk.
        let qemu = try #require(HostProcesses.all().first { $0.1.contains("-name sandbox-\(id),") })
        let disk = "/run/vc/sbs/\(id)/initdata.img"
        #expect(
            qemu.1.contains(
                "-blockdev driver=raw,node-name=drive-initdata,file.driver=file,file.filename=\(disk),read-only=on "
            ), "\(qemu.1)")
        #expect(qemu.1.contains("-device virtio-blk-pci,id=initdata,drive=drive-initdata"), "\(qemu.1)")
        let image = try Data(contentsOf: URL(fileURLWithPath: disk))
        #expect(image.prefix(8) == Data("initdata".utf8) && image.count % 512 == 0)

        // The guest agent's line on the serial console (CreateSandbox ran before the container).
        let console = "/run/vc/sbs/\(id)/vm/console.log"
        let log = (try? String(contentsOfFile: console, encoding: .utf8)) ?? ""
        let start = try #require(log.range(of: "kata-agent: initdata: "), "no initdata line in \(console)")
        let line = log[start.lowerBound...].prefix { $0 != "\n" }
        print("guest: \(line)")
        #expect(
            line.contains(": sha384 \(digest); 2 entries in /run/confidential-containers/initdata"), "\(line)"
        )
        #expect(line.contains("not hardware-bound"), "\(line)")
        // The host's own digest, from the shim's management socket: no TEE, so no measurement,
        // and the reply says the digest is bound to nothing.
        let monitor = try await Command.run(
            [
                "/usr/bin/curl", "-s", "--max-time", "30", "--unix-socket",
                "/run/vc/sbs/\(id)/shim-monitor.sock",
                "http://localhost/measurement",
            ], timeout: 60)
        #expect(
            monitor.stdout.contains(
                "initdata sha384 \(digest) was delivered to the guest, bound to no hardware"),
            "\(monitor.stdout)")

        #expect(try await ctrd.ctr(["task", "kill", "-s", "SIGKILL", id]).status == 0)
        #expect(await run.wait(timeout: 60) == 137)
        try await HostileInputTests.expectNothingLeft(of: id, within: 10)
        #expect(!FileManager.default.fileExists(atPath: disk))
    }

    /// Each kind of bad initdata fails the pod before QEMU starts, naming the annotation and
    /// the problem, and leaves nothing.
    static let bad: [(name: String, document: String?, raw: String?, problem: String)] = [
        ("not-base64", nil, "H4sI*not*base64", "not standard base64"),
        ("not-gzip", nil, "dmVyc2lvbiA9ICIwLjEuMCIK", "not gzip"),
        ("not-toml", "version = \"0.1.0\"\nalgorithm = sha256\n", nil, "line 2"),
        ("version", "version = \"9\"\nalgorithm = \"sha256\"\n", nil, "unknown version '9'"),
        ("algorithm", "version = \"0.1.0\"\nalgorithm = \"sha1\"\n", nil, "unknown algorithm 'sha1'"),
        (
            "non-string", "version = \"0.1.0\"\nalgorithm = \"sha256\"\n[data]\n\"aa.toml\" = 42\n", nil,
            "data entry 'aa.toml' is not a string"
        ),
        ("too-large", String(repeating: "#", count: (1 << 20) + 1), nil, "larger than 1048576 bytes"),
    ]

    @Test(arguments: 0..<bad.count)
    func badInitdataFailsThePodBeforeQEMU(_ index: Int) async throws {
        let item = Self.bad[index]
        let config = try configuration()
        var value = item.raw ?? ""
        if let document = item.document { value = try await encode(document, algorithm: "sha256").0 }
        let id = "bad-initdata-\(item.name)-\(UUID().uuidString.prefix(6).lowercased())"
        let result = try await ctrd.run(
            id, ["/bin/true"],
            flags: ["--runtime-config-path", config, "--annotation", "\(Self.annotation)=\(value)"])
        #expect(result.status != 0, "\(item.name) ran")
        #expect(result.stderr.contains("annotation \(Self.annotation)"), "\(item.name): \(result.stderr)")
        #expect(result.stderr.contains(item.problem), "\(item.name): \(result.stderr)")
        #expect(HostProcesses.qemuPIDs(for: id).isEmpty)
        _ = try await ctrd.ctr(["container", "rm", id], timeout: 30)
        try await HostileInputTests.expectNothingLeft(of: id, within: 10)
    }

    // MARK: Helpers

    /// The suite's configuration with `cc_init_data` enabled.
    func configuration() throws -> String {
        let path = ctrd.work + "/configuration-initdata.toml"
        if FileManager.default.fileExists(atPath: path) { return path }
        var text = try String(contentsOfFile: ctrd.work + "/configuration.toml", encoding: .utf8)
        text = text.replacingOccurrences(
            of: #"(?m)^enable_annotations = \[(.*)\]$"#, with: "enable_annotations = [$1, \"cc_init_data\"]",
            options: .regularExpression)
        guard text.contains("\"cc_init_data\"]") else { throw CommandFailure("no enable_annotations line") }
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// `gzip | base64 -w0` of the document and `openssl dgst` of it.
    func encode(_ document: String, algorithm: String) async throws -> (String, String) {
        let file = ctrd.work + "/initdata-\(UUID().uuidString.prefix(6)).toml"
        try document.write(toFile: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: file) }
        let encoded = try await Command.run(
            ["/bin/sh", "-c", "gzip -c -n \"$0\" | base64 -w0", file], timeout: 30)
        let digest = try await Command.run(
            ["/usr/bin/openssl", "dgst", "-\(algorithm)", "-r", file], timeout: 30)
        guard encoded.status == 0, digest.status == 0 else { throw CommandFailure("gzip/openssl failed") }
        return (encoded.stdout, String(digest.stdout.prefix { $0 != " " }))
    }
}
