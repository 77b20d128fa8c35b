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

    private init(work: String, socket: String) {
        self.work = work
        self.socket = socket
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
        try config.write(toFile: work + "/configuration.toml", atomically: true, encoding: .utf8)
        let environment = [
            "PATH": work + "/bin:" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"),
            "KATA_CONF_FILE": work + "/configuration.toml",
        ].merging(extra) { $1 }
        let started = try await Command.run(
            [repo + "/scripts/containerd-private.sh", "start", work + "/containerd"],
            environment: environment, timeout: 30)
        guard started.status == 0 else { throw CommandFailure("containerd did not start: \(started.stderr)") }
        let socket = started.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        let ctrd = PrivateContainerd(work: work, socket: socket)
        let tar = work + "/busybox.tar"
        _ = try await Command.run([repo + "/scripts/busybox-image.sh", tar], timeout: 60)
        let imported = try await ctrd.ctr(["images", "import", tar], timeout: 60)
        guard imported.status == 0 else { throw CommandFailure("image import failed: \(imported.stderr)") }
        return ctrd
    }

    static func findShim() -> String { binDirectory + "/containerd-shim-kata-v2" }

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
