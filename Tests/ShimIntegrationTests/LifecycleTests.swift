import Foundation
import Testing

/// What a user of containerd relies on beyond a single run: terminals and a shim that dies
/// (LeakTests runs many sandboxes in a row).
@Suite(.serialized, .privateContainerd)
struct LifecycleTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    func uniqueID(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// `ctr run -t` needs a terminal on the ctr side: `script` gives it one.
    @Test func terminalRun() async throws {
        let id = uniqueID("tty")
        let command =
            "/usr/bin/ctr -a \(ctrd.socket) run --rm -t --runtime io.containerd.kata.v2 "
            + "\(PrivateContainerd.image) \(id) /bin/sh -c 'tty; echo cols=$(stty size)'"
        let result = try await Command.run(["/usr/bin/script", "-qec", command, "/dev/null"], timeout: 120)
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("/dev/pts/"), "stdout: \(result.stdout)")
    }

    /// The shim is killed while its VM runs; containerd's clean-up (`shim delete`) and
    /// `ctr task delete`/`ctr container rm` must leave no VM, mount, socket or state directory.
    @Test func killedShimLeavesNothingBehind() async throws {
        let id = uniqueID("crash")
        let run = try BackgroundCommand([
            "/usr/bin/ctr", "-a", ctrd.socket, "run", "-d", "--runtime", "io.containerd.kata.v2",
            PrivateContainerd.image, id, "/bin/sleep", "600",
        ])
        #expect(await run.wait(timeout: 120) == 0)
        let shimPID = try #require(HostProcesses.shimPID(for: id))
        let qemuPIDs = HostProcesses.qemuPIDs(for: id)
        #expect(!qemuPIDs.isEmpty)
        kill(shimPID, SIGKILL)
        _ = try await ctrd.ctr(["task", "delete", "-f", id], timeout: 60)
        _ = try await ctrd.ctr(["container", "rm", id], timeout: 60)
        // containerd runs `shim delete` on its own schedule after it notices the dead shim: it
        // kills QEMU first and removes the directories after, so wait for all of it.
        try await HostileInputTests.expectNothingLeft(of: id, within: 20)
    }
}
