import Foundation
import Testing

/// A container whose root is read-only is the only reader of its sandbox's share: QEMU serves
/// the share read-only, and the container still runs.
@Suite(.serialized, .privateContainerd)
struct ReadOnlyShareTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    @Test func readOnlyRootGetsAReadOnlyShare() async throws {
        let id = "ro-\(UUID().uuidString.prefix(8).lowercased())"
        let run = try BackgroundCommand([
            "/usr/bin/ctr", "-a", ctrd.socket, "run", "--rm", "--read-only", "--runtime",
            "io.containerd.kata.v2",
            PrivateContainerd.image, id, "/bin/sleep", "600",
        ])
        defer { run.stop() }
        try await HostileInputTests.waitUntilRunning(id, ctrd: ctrd)
        let qemu = try #require(HostProcesses.all().first { $0.1.contains("-name sandbox-\(id),") })
        #expect(
            qemu.1.contains("-fsdev local,id=fsdev-share0,") && qemu.1.contains(",readonly=on "), "\(qemu.1)")

        let read = try await ctrd.ctr(["task", "exec", "--exec-id", "r1", id, "/bin/cat", "/etc/passwd"])
        #expect(read.status == 0, "stderr: \(read.stderr)")
        let write = try await ctrd.ctr([
            "task", "exec", "--exec-id", "w1", id, "/bin/sh", "-c", "echo x > /written && echo wrote",
        ])
        #expect(write.status != 0 && !write.stdout.contains("wrote"), "stdout: \(write.stdout)")

        #expect(try await ctrd.ctr(["task", "kill", "-s", "SIGKILL", id]).status == 0)
        #expect(await run.wait(timeout: 60) == 137)
        try await HostileInputTests.expectNothingLeft(of: id, within: 10)
    }

    @Test func writableRootKeepsAWritableShare() async throws {
        let result = try await ctrd.run(
            "rw-\(UUID().uuidString.prefix(8).lowercased())",
            ["/bin/sh", "-c", "echo x > /written && cat /written"])
        #expect(result.status == 0 && result.stdout == "x\n", "stderr: \(result.stderr)")
    }
}
