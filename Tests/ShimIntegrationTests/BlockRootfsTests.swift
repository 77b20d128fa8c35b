import Foundation
import Testing

/// `shared_fs = "none"` (the coco-dev class) through the real containerd: each container's root
/// filesystem reaches the guest as a hot-plugged EROFS image under dm-verity, nothing of the
/// host is shared into the VM, a byte changed on the host after the start reads as EIO in the
/// container, a wrong root hash fails that container only, and a second container of the same
/// image reuses the cached image.
@Suite(.serialized, .privateContainerd)
struct BlockRootfsTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }
    static let image = "docker.io/library/busybox:kata-blockroot"
    static let cacheRoot = "/run/kata-containers/shared/sandboxes/.rootfs-images"
    /// /data/big is 2048 blocks of 4 KiB, each starting with its own marker (no two alike, so
    /// the test finds one block's offset in the EROFS image; far too large to be inlined).
    static let blocks = 2048

    /// The coco-dev file with the test's kernel, initrd and memory, as the suites do for theirs.
    func cocoDevConfiguration() throws -> String {
        let text = try PrivateContainerd.cocoDevTestConfiguration()
        let path = ctrd.work + "/coco-dev.toml"
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    /// Imports the test image once: busybox plus /data/big (markers) and /data/other.
    func importImage() async throws {
        if try await ctrd.ctr(["images", "ls", "-q"]).stdout.contains(Self.image) { return }
        let extra = ctrd.work + "/blockroot-extra"
        try FileManager.default.createDirectory(atPath: extra + "/data", withIntermediateDirectories: true)
        var big = Data()
        for block in 0..<Self.blocks {
            var chunk = Array(String(format: "TAMPER-BLOCK-%08d-", block).utf8)
            chunk += [UInt8](repeating: UInt8(ascii: "a") + UInt8(block % 26), count: 4096 - chunk.count)
            big.append(contentsOf: chunk)
        }
        try big.write(to: URL(fileURLWithPath: extra + "/data/big"))
        try Data(repeating: 0x6f, count: 1 << 20).write(to: URL(fileURLWithPath: extra + "/data/other"))
        let tar = ctrd.work + "/blockroot.tar"
        let built = try await Command.run(
            [
                "/usr/bin/env", "EXTRA_DIR=\(extra)", PrivateContainerd.repo + "/scripts/busybox-image.sh",
                tar, Self.image,
            ],
            timeout: 60)
        #expect(built.status == 0, "\(built.stderr)")
        let imported = try await ctrd.ctr(["images", "import", tar], timeout: 60)
        #expect(imported.status == 0, "\(imported.stderr)")
    }

    /// `ctr run --rm` of the test image in the background, returned once the task runs.
    func start(_ id: String, config: String, flags: [String] = [], _ args: [String]) async throws
        -> BackgroundCommand
    {
        let run = try BackgroundCommand(
            [
                "/usr/bin/ctr", "-a", ctrd.socket, "run", "--rm", "--runtime", "io.containerd.kata.v2",
                "--runtime-config-path", config,
            ] + flags + [Self.image, id] + args,
            outputPath: ctrd.work + "/\(id).out")
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if try await ctrd.taskStatus(id) == "RUNNING" { return run }
            if let status = run.exitStatus() {
                let output = (try? String(contentsOfFile: ctrd.work + "/\(id).out", encoding: .utf8)) ?? ""
                throw CommandFailure("ctr run \(id) exited early with \(status): \(output)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        run.stop()
        throw CommandFailure("task \(id) did not reach RUNNING")
    }

    /// The cache entry that `sandbox+container` uses.
    static func cacheEntry(user: String) -> String? {
        let keys = (try? FileManager.default.contentsOfDirectory(atPath: cacheRoot)) ?? []
        return keys.first { FileManager.default.fileExists(atPath: "\(cacheRoot)/\($0)/users/\(user)") }
            .map { "\(cacheRoot)/\($0)" }
    }

    static func stopAndExpectNothingLeft(_ id: String, _ run: BackgroundCommand, ctrd: PrivateContainerd)
        async throws
    {
        _ = try await ctrd.ctr(["task", "kill", "-s", "SIGKILL", id])
        #expect(await run.wait(timeout: 60) == 137)
        try await HostileInputTests.expectNothingLeft(of: id, within: 10)
        #expect(cacheEntry(user: "\(id)+\(id)") == nil, "\(id) still holds a cache entry")
    }

    @Test func containerRunsOnAVerifiedImageAndATamperedBlockReadsAsEIO() async throws {
        try await importImage()
        let config = try cocoDevConfiguration()
        let id = "blk-\(UUID().uuidString.prefix(8).lowercased())"
        let started = Date()
        let run = try await start(id, config: config, ["/bin/sleep", "600"])
        defer { run.stop() }
        print(
            "coco-dev container running \(String(format: "%.2f", Date().timeIntervalSince(started))) s after ctr run"
        )

        // No host directory reaches the guest: no 9p/virtfs device; the root ports are there.
        let qemu = try #require(HostProcesses.all().first { $0.cmdline.contains("-name sandbox-\(id),") })
        #expect(
            !qemu.cmdline.contains("9p") && !qemu.cmdline.contains("fsdev")
                && !qemu.cmdline.contains("virtfs"), "\(qemu.cmdline)")
        #expect(qemu.cmdline.contains("pcie-root-port"), "\(qemu.cmdline)")

        let hello = try await ctrd.ctr([
            "task", "exec", "--exec-id", "e1", id, "/bin/sh", "-c",
            "echo hello from $(cat /etc/passwd | cut -d: -f1)",
        ])
        #expect(hello.status == 0 && hello.stdout == "hello from root\n", "\(hello.stdout) \(hello.stderr)")
        // The root is writable (tmpfs overlay in the guest), and the write stays there.
        let write = try await ctrd.ctr([
            "task", "exec", "--exec-id", "e2", id, "/bin/sh", "-c", "echo x > /written && cat /written",
        ])
        #expect(write.status == 0 && write.stdout == "x\n", "\(write.stdout) \(write.stderr)")

        let entry = try #require(Self.cacheEntry(user: "\(id)+\(id)"), "no cache entry for \(id)")
        #expect(!FileManager.default.fileExists(atPath: "\(entry)/image-written"))

        // A second container of the same image (its own sandbox) reuses the entry.
        let second = "blk2-\(UUID().uuidString.prefix(8).lowercased())"
        let secondStarted = Date()
        let run2 = try await start(second, config: config, ["/bin/sleep", "600"])
        defer { run2.stop() }
        print(
            "second container (cache hit) running \(String(format: "%.2f", Date().timeIntervalSince(secondStarted))) s after ctr run"
        )
        #expect(
            Self.cacheEntry(user: "\(second)+\(second)") == entry, "the second container built its own image")
        try await Self.stopAndExpectNothingLeft(second, run2, ctrd: ctrd)
        #expect(FileManager.default.fileExists(atPath: entry + "/image"), "the first container still uses it")

        // Tamper: one byte of block 1000 of /data/big, which the container has not read.
        let imagePath = entry + "/image"
        let bytes = try Data(contentsOf: URL(fileURLWithPath: imagePath))
        let marker = Data(String(format: "TAMPER-BLOCK-%08d-", 1000).utf8)
        let offset = try #require(bytes.range(of: marker)?.lowerBound, "marker not in the image")
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: imagePath))
        try handle.seek(toOffset: UInt64(offset + 100))
        try handle.write(contentsOf: Data([bytes[offset + 100] ^ 0xff]))
        try handle.close()

        let tampered = try await ctrd.ctr([
            "task", "exec", "--exec-id", "e3", id, "/bin/sh", "-c",
            "cat /data/big > /dev/null && echo read-all",
        ])
        print("tampered read: status \(tampered.status) stdout \(tampered.stdout) stderr \(tampered.stderr)")
        #expect(tampered.status != 0 && !tampered.stdout.contains("read-all"))
        #expect(tampered.stderr.contains("Input/output error"), "\(tampered.stderr)")
        let other = try await ctrd.ctr([
            "task", "exec", "--exec-id", "e4", id, "/bin/sh", "-c", "wc -c < /data/other",
        ])
        #expect(
            other.status == 0 && other.stdout.trimmingCharacters(in: .whitespacesAndNewlines) == "1048576",
            "\(other.stdout) \(other.stderr)")

        try await Self.stopAndExpectNothingLeft(id, run, ctrd: ctrd)
        #expect(
            !FileManager.default.fileExists(atPath: entry), "the last user gone, the entry stays: \(entry)")
    }

    /// A root hash that does not match fails that container with the reason; the sandbox and
    /// its other containers carry on, and a later container of the sandbox runs.
    @Test func wrongRootHashFailsOnlyThatContainer() async throws {
        try await importImage()
        let config = try cocoDevConfiguration()
        let pod = "pod-\(UUID().uuidString.prefix(8).lowercased())"
        let sandbox = try await start(
            pod, config: config,
            flags: [
                "--annotation", "io.kubernetes.cri.container-type=sandbox", "--annotation",
                "io.kubernetes.cri.sandbox-id=\(pod)",
            ],
            ["/bin/sleep", "600"])
        defer { sandbox.stop() }
        let entry = try #require(Self.cacheEntry(user: "\(pod)+\(pod)"))
        let record = entry + "/image.json"
        let original = try String(contentsOfFile: record, encoding: .utf8)
        let hash = try #require(original.firstMatch(of: /"hash":"([0-9a-f]{64})"/)?.1)
        let flipped = (hash.first == "0" ? "1" : "0") + hash.dropFirst()
        try original.replacingOccurrences(of: String(hash), with: flipped).write(
            toFile: record, atomically: true, encoding: .utf8)

        let joining = [
            "--annotation", "io.kubernetes.cri.container-type=container", "--annotation",
            "io.kubernetes.cri.sandbox-id=\(pod)",
        ]
        let bad = "bad-\(UUID().uuidString.prefix(8).lowercased())"
        let failed = try await ctrd.ctr(
            ["run", "--rm", "--runtime", "io.containerd.kata.v2", "--runtime-config-path", config] + joining
                + [Self.image, bad, "/bin/echo", "never"])
        print("wrong root hash: ctr run exited \(failed.status): \(failed.stderr.suffix(600))")
        #expect(failed.status != 0 && !failed.stdout.contains("never"))
        #expect(failed.stderr.contains("root hash"), "\(failed.stderr)")
        _ = try await ctrd.ctr(["container", "rm", bad])

        try original.write(toFile: record, atomically: true, encoding: .utf8)
        let good = "good-\(UUID().uuidString.prefix(8).lowercased())"
        let joinStarted = Date()
        let worked = try await ctrd.ctr(
            ["run", "--rm", "--runtime", "io.containerd.kata.v2", "--runtime-config-path", config] + joining
                + [Self.image, good, "/bin/echo", "still serving"])
        #expect(worked.status == 0 && worked.stdout == "still serving\n", "\(worked.stdout) \(worked.stderr)")
        print(
            String(
                format:
                    "container joining the sandbox (cached image: hot-plug, run, unplug): ctr run --rm %.2f s",
                Date().timeIntervalSince(joinStarted)))
        #expect(try await ctrd.taskStatus(pod) == "RUNNING")
        #expect(
            Self.cacheEntry(user: "\(pod)+\(bad)") == nil && Self.cacheEntry(user: "\(pod)+\(good)") == nil)
        // Both were unplugged again: QEMU holds the image once, for the pod's own container.
        let qemu = try #require(HostProcesses.qemuPIDs(for: pod).first)
        let descriptors = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/\(qemu)/fd")) ?? []
        let onImage = descriptors.filter {
            (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/\(qemu)/fd/\($0)")) == entry
                + "/image"
        }
        #expect(onImage.count == 1, "QEMU has the image open \(onImage.count) times")
        try await Self.stopAndExpectNothingLeft(pod, sandbox, ctrd: ctrd)
    }

    /// A read-only root: reads work, writes fail (crun remounts the overlay read-only).
    @Test func readOnlyRootHasNoWritableLayer() async throws {
        try await importImage()
        let config = try cocoDevConfiguration()
        let id = "blkro-\(UUID().uuidString.prefix(8).lowercased())"
        let result = try await ctrd.ctr(
            [
                "run", "--rm", "--read-only", "--runtime", "io.containerd.kata.v2", "--runtime-config-path",
                config,
            ]
                + [Self.image, id, "/bin/sh", "-c", "cat /etc/passwd; echo x > /written || echo refused"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(
            result.stdout.hasPrefix("root:x:0:0") && result.stdout.hasSuffix("refused\n"), "\(result.stdout)")
        #expect(result.stderr.contains("Read-only file system"), "\(result.stderr)")
        try await HostileInputTests.expectNothingLeft(of: id, within: 10)
        #expect(Self.cacheEntry(user: "\(id)+\(id)") == nil)
    }

    /// One run each: `ctr run --rm ... /bin/true` in a 9p sandbox and in a coco-dev one (its
    /// image built, not cached: no other container holds it).
    @Test func startOverheadAgainstA9pSandbox() async throws {
        try await importImage()
        let config = try cocoDevConfiguration()
        var times: [String: Double] = [:]
        for (name, flags) in [("9p", [String]()), ("block", ["--runtime-config-path", config])] {
            let id = "ovh-\(name)-\(UUID().uuidString.prefix(6).lowercased())"
            let started = Date()
            let result = try await ctrd.ctr(
                ["run", "--rm", "--runtime", "io.containerd.kata.v2"] + flags + [
                    Self.image, id, "/bin/echo", "up",
                ])
            times[name] = Date().timeIntervalSince(started)
            #expect(result.status == 0 && result.stdout == "up\n", "\(name): \(result.stderr)")
            try await HostileInputTests.expectNothingLeft(of: id, within: 10)
        }
        print(
            String(
                format: "ctr run --rm echo: 9p %.2f s, block root %.2f s (overhead %.2f s)", times["9p"] ?? 0,
                times["block"] ?? 0, (times["block"] ?? 0) - (times["9p"] ?? 0)))
    }
}
