import Foundation
import Testing

/// Operations on a container that keeps running: exec, pause/resume, metrics, kill.
@Suite(.serialized, .privateContainerd)
struct RunningContainerTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    /// Starts `ctr run --rm ID sleep 600` in the background and waits until the task runs.
    func startSleeper(_ id: String) throws -> BackgroundCommand {
        let run = try BackgroundCommand([
            "/usr/bin/ctr", "-a", ctrd.socket, "run", "--rm", "--runtime", "io.containerd.kata.v2",
            PrivateContainerd.image, id, "/bin/sleep", "600",
        ])
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline {
            if try taskStatus(id) == "RUNNING" { return run }
            if let status = run.exitStatus() {
                throw CommandFailure("ctr run \(id) exited early with \(status)")
            }
            usleep(100_000)
        }
        _ = run.wait(timeout: 0)
        throw CommandFailure("task \(id) did not reach RUNNING")
    }

    /// The STATUS column of `ctr task ls` for `id`.
    func taskStatus(_ id: String) throws -> String? {
        let listing = try ctrd.ctr(["task", "ls"], timeout: 30).stdout
        for line in listing.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            if fields.first == id { return fields.last }
        }
        return nil
    }

    @Test func execPauseResumeMetricsAndKill() throws {
        let id = "sleeper-\(UUID().uuidString.prefix(8).lowercased())"
        let run = try startSleeper(id)
        defer { _ = run.wait(timeout: 0) }

        let exec = try ctrd.ctr([
            "task", "exec", "--exec-id", "e1", id, "/bin/sh", "-c", "echo exec says hi; exit 5",
        ])
        #expect(exec.stdout == "exec says hi\n", "stderr: \(exec.stderr)")
        #expect(exec.status == 5)

        #expect(try ctrd.ctr(["task", "pause", id]).status == 0)
        #expect(try taskStatus(id) == "PAUSED")
        #expect(try ctrd.ctr(["task", "resume", id]).status == 0)
        #expect(try taskStatus(id) == "RUNNING")

        let metrics = try ctrd.ctr(["task", "metrics", id])
        #expect(metrics.status == 0, "stderr: \(metrics.stderr)")
        #expect(metrics.stdout.contains("pids.current"), "metrics: \(metrics.stdout)")

        #expect(try ctrd.ctr(["task", "kill", "-s", "SIGKILL", id]).status == 0)
        #expect(run.wait(timeout: 60) == 137)
    }
}
