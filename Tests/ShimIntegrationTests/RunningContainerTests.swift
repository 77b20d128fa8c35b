import Foundation
import Testing

/// Operations on a container that keeps running: exec, pause/resume, metrics, kill.
@Suite(.serialized, .privateContainerd)
struct RunningContainerTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    @Test func execPauseResumeMetricsAndKill() async throws {
        let id = "sleeper-\(UUID().uuidString.prefix(8).lowercased())"
        let run = try await ctrd.startRun(id, ["/bin/sleep", "600"])
        defer { run.stop() }

        let exec = try await ctrd.ctr([
            "task", "exec", "--exec-id", "e1", id, "/bin/sh", "-c", "echo exec says hi; exit 5",
        ])
        #expect(exec.stdout == "exec says hi\n", "stderr: \(exec.stderr)")
        #expect(exec.status == 5)

        #expect(try await ctrd.ctr(["task", "pause", id]).status == 0)
        #expect(try await ctrd.taskStatus(id) == "PAUSED")
        #expect(try await ctrd.ctr(["task", "resume", id]).status == 0)
        #expect(try await ctrd.taskStatus(id) == "RUNNING")

        let scrape = try await Command.run(
            [
                "/usr/bin/python3", "-c",
                "import socket,sys; s=socket.socket(socket.AF_UNIX); s.connect(sys.argv[1]); "
                    + "s.sendall(b'GET /metrics HTTP/1.0\\r\\n\\r\\n'); d=b''\n"
                    + "while True:\n c=s.recv(65536)\n if not c: break\n d+=c\nprint(d.decode())",
                "/run/vc/sbs/\(id)/shim-monitor.sock",
            ], timeout: 30)
        #expect(scrape.stdout.contains("200 OK"), "management socket: \(scrape.stdout) \(scrape.stderr)")
        #expect(scrape.stdout.contains(#"kata_shim_proc_status{item="vmrss"}"#))
        #expect(scrape.stdout.contains(#"kata_hypervisor_proc_status{item="vmrss"}"#))
        #expect(scrape.stdout.contains("kata_hypervisor_threads "))
        #expect(scrape.stdout.contains("kata_guest_meminfo"))

        // A plain VM has no launch measurement: the endpoint says so rather than inventing one.
        let measurement = try await Command.run(
            [
                "/usr/bin/curl", "-s", "-w", "\n%{http_code}", "--unix-socket",
                "/run/vc/sbs/\(id)/shim-monitor.sock",
                "http://localhost/measurement",
            ], timeout: 30)
        #expect(measurement.stdout.hasSuffix("404"), "GET /measurement: \(measurement.stdout)")
        #expect(
            measurement.stdout.contains("not a confidential guest"), "GET /measurement: \(measurement.stdout)"
        )

        let metrics = try await ctrd.ctr(["task", "metrics", id])
        #expect(metrics.status == 0, "stderr: \(metrics.stderr)")
        #expect(metrics.stdout.contains("pids.current"), "metrics: \(metrics.stdout)")

        #expect(try await ctrd.ctr(["task", "kill", "-s", "SIGKILL", id]).status == 0)
        #expect(await run.wait(timeout: 60) == 137)
    }

    /// containerd gives no stdin (CRI's default, `ctr run --null-io`): the process reads EOF at
    /// once, as under runc's /dev/null, instead of waiting forever on an open pipe.
    @Test func processWithoutStdinReadsEndOfFile() async throws {
        let id = "nostdin-\(UUID().uuidString.prefix(8).lowercased())"
        let run = try await ctrd.ctr(
            [
                "run", "--rm", "--null-io", "--runtime", "io.containerd.kata.v2", PrivateContainerd.image, id,
                "/bin/sh", "-c", "cat; exit 7",
            ], timeout: 90)
        #expect(run.status == 7, "stderr: \(run.stderr)")
    }
}
