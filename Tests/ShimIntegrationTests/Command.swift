import Foundation
import KataCore

struct CommandResult: Sendable {
    var status: Int32
    var stdout: String
    var stderr: String
}

struct CommandFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a program (no shell) to completion with a timeout, capturing its output.
///
/// posix_spawn and waitpid on the child's own pid, not Foundation's Process: under the test
/// runner, Process sometimes never notices its child exit. Output goes to files, not pipes: a
/// daemon the command starts (containerd) may keep a pipe open forever.
enum Command {
    /// Runs on its own thread: a blocking wait must never hold one of the few threads of the
    /// cooperative pool that every other test shares.
    static func run(
        _ argv: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: TimeInterval
    ) async throws -> CommandResult {
        try await withCheckedThrowingContinuation { continuation in
            startDetachedThread {
                continuation.resume(
                    with: Result {
                        try runBlocking(argv, stdin: stdin, environment: environment, timeout: timeout)
                    })
            }
        }
    }

    static func runBlocking(
        _ argv: [String], stdin: String? = nil, environment: [String: String] = [:], timeout: TimeInterval
    ) throws -> CommandResult {
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent(
            "cmd-\(UUID().uuidString)"
        ).path
        try FileManager.default.createDirectory(atPath: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: scratch) }
        let inPath = scratch + "/in", outPath = scratch + "/out", errPath = scratch + "/err"
        try (stdin ?? "").write(toFile: inPath, atomically: true, encoding: .utf8)

        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, stdin == nil ? "/dev/null" : inPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        let env = ProcessInfo.processInfo.environment.merging(environment) { $1 }.map { "\($0)=\($1)" }
        let cArgs = argv.map { strdup($0) } + [nil]
        let cEnv = env.map { strdup($0) } + [nil]
        defer { (cArgs + cEnv).forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, cEnv)
        guard rc == 0 else { throw CommandFailure("spawn \(argv[0]): errno \(rc)") }

        var status: Int32 = 0
        let deadline = Date().addingTimeInterval(timeout)
        var killed = false
        while waitpid(pid, &status, WNOHANG) == 0 {
            if Date() > deadline && !killed {
                kill(pid, SIGKILL)
                killed = true
            }
            usleep(10_000)
        }
        let exitStatus = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        let stdout = (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? ""
        var stderr = (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? ""
        if killed { stderr += "\n[killed after \(Int(timeout)) s]" }
        return CommandResult(status: exitStatus, stdout: stdout, stderr: stderr)
    }
}

/// A program left running while the test does other things (for example a foreground
/// `ctr run` whose task the test then kills).
final class BackgroundCommand: @unchecked Sendable {  // used from one test at a time
    let pid: pid_t
    private var reaped: Int32?

    /// `outputPath`: where stdout and stderr go (default: discarded); `inputPath`: stdin.
    init(_ argv: [String], outputPath: String? = nil, inputPath: String = "/dev/null") throws {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, inputPath, O_RDONLY, 0)
        posix_spawn_file_actions_addopen(
            &actions, 1, outputPath ?? "/dev/null", O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        var pid: pid_t = 0
        let rc = posix_spawn(&pid, argv[0], &actions, nil, cArgs, environ)
        guard rc == 0 else { throw CommandFailure("spawn \(argv[0]): errno \(rc)") }
        self.pid = pid
    }

    /// The exit status once it has exited (128 + n for signal n), or nil while it runs.
    func exitStatus() -> Int32? {
        if let reaped { return reaped }
        var status: Int32 = 0
        guard waitpid(pid, &status, WNOHANG) == pid else { return nil }
        reaped = (status & 0x7f) == 0 ? (status >> 8) & 0xff : 128 + (status & 0x7f)
        return reaped
    }

    /// Kills it if it still runs, and reaps it.
    func stop() {
        guard exitStatus() == nil else { return }
        kill(pid, SIGKILL)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
        reaped = 137
    }

    /// Waits up to `timeout` for the exit; kills it past that.
    func wait(timeout: TimeInterval) async -> Int32 {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = exitStatus() { return status }
            try? await Task.sleep(for: .milliseconds(20))
        }
        stop()
        return -1
    }
}
