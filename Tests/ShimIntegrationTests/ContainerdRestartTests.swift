import Foundation
import Testing

/// containerd restarts (SIGTERM, then started again on the same state) while a container
/// runs in a VM: the shim must keep serving it, and the container must be killable and
/// deletable through the new containerd. A containerd of its own: the restart would
/// disturb other suites.
@Suite struct ContainerdRestartTests {
    @Test func shimKeepsServingAcrossAContainerdRestart() async throws {
        let ctrd = try await PrivateContainerd.start()
        defer { ctrd.stop() }
        let id = "restart-\(UUID().uuidString.prefix(8).lowercased())"
        try await withCleanup {
            try await ctrd.runDetached(id, ["/bin/sleep", "600"])
            #expect(try await ctrd.waitForTask(id, status: "RUNNING", timeout: 60))
            let socket = SandboxTraces.shimSocket(of: id, in: ctrd)
            let shim = try #require(HostProcesses.shimPID(for: id))
            let qemu = try #require(HostProcesses.qemuPIDs(for: id).first)

            try await ctrd.restart()

            #expect(
                HostProcesses.isAlive(shim) && HostProcesses.isAlive(qemu), "shim or VM died with containerd")
            #expect(try await ctrd.taskStatus(id) == "RUNNING")
            let exec = try await ctrd.ctr([
                "task", "exec", "--exec-id", "after", id, "/bin/echo", "still here",
            ])
            #expect(exec.status == 0 && exec.stdout == "still here\n", "exec: \(exec.stdout) \(exec.stderr)")
            let killed = try await ctrd.ctr(["task", "kill", "-s", "SIGKILL", id], timeout: 30)
            #expect(killed.status == 0, "ctr task kill: \(killed.stderr)")
            #expect(try await ctrd.waitForTask(id, status: "STOPPED", timeout: 30))
            try await ctrd.deleteExpectingNothingLeft(id, shimSocket: socket)
        } cleanup: {
            await ctrd.forceRemove(id)
        }
    }
}
