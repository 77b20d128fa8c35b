import Foundation
import Testing

/// A private containerd (scripts/containerd-private.sh) whose PATH finds our shim, with a
/// configuration that boots the built guest image under TCG, and the busybox image imported.
/// Started once for the suite that uses the `.privateContainerd` trait, stopped after it.
final class PrivateContainerd: Sendable {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().path
    static let image = "docker.io/library/busybox:kata-local"

    let work: String
    let socket: String
    /// What containerd-private.sh was started with (a restart needs the same).
    private let environment: [String: String]

    private init(work: String, socket: String, environment: [String: String]) {
        self.work = work
        self.socket = socket
        self.environment = environment
    }

    /// The binaries `swift build` put beside the test bundle.
    static var binDirectory: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().path
    }

    /// `environment` adds to containerd-private.sh's (e.g. its CRI_* settings).
    static func start(environment extra: [String: String] = [:]) async throws -> PrivateContainerd {
        let work = FileManager.default.temporaryDirectory.appendingPathComponent(
            "ctrd-\(UUID().uuidString.prefix(8))"
        ).path
        try FileManager.default.createDirectory(atPath: work + "/bin", withIntermediateDirectories: true)
        let shim = findShim()
        try FileManager.default.createSymbolicLink(
            atPath: work + "/bin/containerd-shim-kata-v2", withDestinationPath: shim)
        let config = try testConfiguration()
        try config.write(toFile: work + "/configuration.toml", atomically: true, encoding: .utf8)
        let environment = [
            "PATH": work + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "KATA_CONF_FILE": work + "/configuration.toml",
        ].merging(extra) { $1 }
        let socket = try await startContainerd(directory: work + "/containerd", environment: environment)
        let ctrd = PrivateContainerd(work: work, socket: socket, environment: environment)
        let tar = work + "/busybox.tar"
        _ = try await Command.run([repo + "/scripts/busybox-image.sh", tar], timeout: 60)
        let imported = try await ctrd.ctr(["images", "import", tar], timeout: 60)
        guard imported.status == 0 else { throw CommandFailure("image import failed: \(imported.stderr)") }
        return ctrd
    }

    /// The shipped plain configuration, made to boot the built guest image under TCG.
    static func testConfiguration() throws -> String {
        var config = try String(
            contentsOfFile: repo + "/configuration/configuration-qemu.toml", encoding: .utf8)
        config = config.replacingOccurrences(
            of: #"(?m)^kernel = .*$"#, with: "kernel = \"\(repo)/build/kernel/vmlinux\"",
            options: .regularExpression)
        config = config.replacingOccurrences(
            of: #"(?m)^initrd = .*$"#, with: "initrd = \"\(repo)/build/guest/kata-initrd.img\"",
            options: .regularExpression)
        config = config.replacingOccurrences(
            of: #"(?m)^default_memory = .*$"#, with: "default_memory = 256", options: .regularExpression)
        // The suites run the hardened setting the shipped file documents (and leaves off, as
        // upstream does): QEMU under its seccomp filter. ConfinedVMTests checks it took effect.
        config = config.replacingOccurrences(
            of: #"(?m)^#seccompsandbox = "#, with: "seccompsandbox = ", options: .regularExpression)
        return config
    }

    /// The shipped coco-dev file (`shared_fs = "none"`, block-device root filesystems) with the
    /// built kernel and initrd, the paths it allows, and 384 MiB.
    static func cocoDevTestConfiguration() throws -> String {
        var text = try String(
            contentsOfFile: repo + "/configuration/configuration-qemu-coco-dev.toml", encoding: .utf8)
        for (pattern, replacement) in [
            (#"(?m)^kernel = .*$"#, "kernel = \"\(repo)/build/kernel/vmlinux\""),
            (#"(?m)^initrd = .*$"#, "initrd = \"\(repo)/build/guest/kata-initrd.img\""),
            (#"(?m)^valid_kernel_paths = .*$"#, "valid_kernel_paths = [\"\(repo)/build/kernel/*\"]"),
            (#"(?m)^valid_initrd_paths = .*$"#, "valid_initrd_paths = [\"\(repo)/build/guest/*\"]"),
            (#"(?m)^default_memory = .*$"#, "default_memory = 384"),
        ] {
            text = text.replacingOccurrences(of: pattern, with: replacement, options: .regularExpression)
        }
        return text
    }

    static func findShim() -> String { binDirectory + "/containerd-shim-kata-v2" }

    /// Starts containerd on `directory` (root, state and socket inside) and returns its socket.
    private static func startContainerd(directory: String, environment: [String: String]) async throws
        -> String
    {
        let started = try await Command.run(
            [repo + "/scripts/containerd-private.sh", "start", directory], environment: environment,
            timeout: 30)
        guard started.status == 0 else { throw CommandFailure("containerd did not start: \(started.stderr)") }
        return started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// containerd's pid (the script's pid file), while it runs.
    var containerdPID: Int32? {
        (try? String(contentsOfFile: work + "/containerd/containerd.pid", encoding: .utf8))
            .flatMap { Int32($0.trimmingCharacters(in: .whitespacesAndNewlines)) }
    }

    /// Where containerd keeps a task's shim bundle (`address`, `config.json`, ...).
    func taskStateDirectory(_ id: String, namespace: String = "default") -> String {
        work + "/containerd/state/io.containerd.runtime.v2.task/\(namespace)/\(id)"
    }

    /// Stops containerd with SIGTERM, as a service manager would, leaving its tasks and their
    /// shims running, and starts it again on the same root, state and socket.
    func restart() async throws {
        guard let pid = containerdPID, HostProcesses.isAlive(pid) else {
            throw CommandFailure("containerd is not running")
        }
        kill(pid, SIGTERM)
        let deadline = Date().addingTimeInterval(20)
        while HostProcesses.isAlive(pid) {
            guard Date() < deadline else {
                throw CommandFailure("containerd \(pid) ignored SIGTERM for 20 s")
            }
            try await Task.sleep(for: .milliseconds(50))
        }
        let socket = try await Self.startContainerd(directory: work + "/containerd", environment: environment)
        guard socket == self.socket else { throw CommandFailure("containerd came back on \(socket)") }
    }

    func stop() {
        _ = try? Command.runBlocking(
            [Self.repo + "/scripts/containerd-private.sh", "stop", work + "/containerd"], timeout: 30)
        try? FileManager.default.removeItem(atPath: work)
    }

    func ctr(_ arguments: [String], stdin: String? = nil, timeout: TimeInterval = 120) async throws
        -> CommandResult
    {
        try await Command.run(["/usr/bin/ctr", "-a", socket] + arguments, stdin: stdin, timeout: timeout)
    }

    /// Starts `ctr run --rm ID ARGS...` in the background (`flags` before the image, e.g.
    /// annotations) and returns it once the task runs.
    /// `outputPath` receives ctr's stdout and stderr.
    func startRun(_ id: String, _ args: [String], flags: [String] = [], outputPath: String? = nil)
        async throws
        -> BackgroundCommand
    {
        let run = try BackgroundCommand(
            ["/usr/bin/ctr", "-a", socket, "run", "--rm", "--runtime", "io.containerd.kata.v2"] + flags
                + [Self.image, id] + args, outputPath: outputPath)
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if try await taskStatus(id) == "RUNNING" { return run }
            if let status = run.exitStatus() {
                throw CommandFailure("ctr run \(id) exited early with \(status)")
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        run.stop()
        throw CommandFailure("task \(id) did not reach RUNNING")
    }

    /// `ctr run -d ID ARGS...`: returns once the task was started (the container stays).
    func runDetached(_ id: String, _ args: [String]) async throws {
        let result = try await ctr(
            ["run", "-d", "--runtime", "io.containerd.kata.v2", Self.image, id] + args)
        guard result.status == 0 else { throw CommandFailure("ctr run -d \(id): \(result.stderr)") }
    }

    /// The STATUS column of `ctr task ls` for `id` (RUNNING, PAUSED, STOPPED), nil if not listed.
    func taskStatus(_ id: String) async throws -> String? {
        let listing = try await ctr(["task", "ls"], timeout: 30).stdout
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if fields.first == id { return fields.last }
        }
        return nil
    }

    /// Waits until `ctr task ls` shows `id` with `status`, for at most `timeout`.
    func waitForTask(_ id: String, status: String, timeout: TimeInterval) async throws -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if try await taskStatus(id) == status { return true }
            try await Task.sleep(for: .milliseconds(100))
        }
        return false
    }

    /// Ends container `id` whatever state it is in (kill, delete the task, remove the
    /// container), ignoring errors: the clean-up of a test that may have failed half way.
    func forceRemove(_ id: String) async {
        _ = try? await ctr(["task", "kill", "-s", "SIGKILL", id], timeout: 30)
        _ = try? await ctr(["task", "delete", "-f", id], timeout: 60)
        _ = try? await ctr(["container", "rm", id], timeout: 30)
    }

    /// `ctr run --rm --runtime io.containerd.kata.v2 IMAGE ID ARGS...`
    func run(_ id: String, _ args: [String], flags: [String] = [], stdin: String? = nil) async throws
        -> CommandResult
    {
        try await ctr(
            ["run", "--rm", "--runtime", "io.containerd.kata.v2"] + flags + [Self.image, id] + args,
            stdin: stdin)
    }
}

/// Starts the private containerd around a suite.
struct PrivateContainerdTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: PrivateContainerd?

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    )
        async throws
    {
        if Self.current != nil { return try await function() }
        let ctrd = try await PrivateContainerd.start()
        defer { ctrd.stop() }
        try await Self.$current.withValue(ctrd) { try await function() }
    }
}

extension Trait where Self == PrivateContainerdTrait {
    static var privateContainerd: PrivateContainerdTrait { PrivateContainerdTrait() }
}
