import Foundation
import Testing

/// Faults a real containerd meets: the VM dies or hangs under a running container, and a client
/// sends a hostile sandbox id (ContainerdRestartTests restarts containerd; HostileInputTests
/// sends an out-of-range signal). Each case ends with nothing of its sandbox left.
@Suite(.serialized, .privateContainerd)
struct FaultTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }

    /// How long the shim's watchdog may take to call a hung VM dead: Runtime's
    /// HealthCheckPolicy.standard gives up after 2 missed checks of 1 s + 3 s (8 s); the rest
    /// is slack for a loaded 2-core machine.
    static let watchdogDeadline: TimeInterval = 20

    func uniqueID(_ prefix: String) -> String { "\(prefix)-\(UUID().uuidString.prefix(8).lowercased())" }

    /// Stops container `id` and, if its VM survived that, kills the VM (identified by its
    /// `-name sandbox-<id>`, so only ours).
    func cleanUp(_ id: String) async {
        await ctrd.forceRemove(id)
        for pid in HostProcesses.qemuPIDs(for: id) { kill(pid, SIGKILL) }
    }

    /// QEMU is SIGKILLed under `ctr run ... sleep 60`: the run must fail within 15 s, and the
    /// sandbox must leave no shim, VM, mount, directory or socket.
    @Test func killedQEMUEndsTheRunAndLeavesNothing() async throws {
        let id = uniqueID("qkill")
        let output = ctrd.work + "/\(id).out"
        try await withCleanup {
            let run = try await ctrd.startRun(id, ["/bin/sleep", "60"], outputPath: output)
            defer { run.stop() }
            let socket = SandboxTraces.shimSocket(of: id, in: ctrd)
            #expect(socket != nil, "containerd recorded no shim address")
            let qemu = try #require(HostProcesses.qemuPIDs(for: id).first)
            let killed = Date()
            kill(qemu, SIGKILL)
            let status = await run.wait(timeout: 60)
            let returned = Date().timeIntervalSince(killed)
            let said = (try? String(contentsOfFile: output, encoding: .utf8)) ?? ""
            print(
                "ctr run returned \(status) \(String(format: "%.2f", returned)) s after QEMU was killed: \(said)"
            )
            #expect(status != 0 && status != -1, "ctr run status \(status)")
            #expect(returned < 15, "ctr run returned only after \(returned) s")
            let traces = await SandboxTraces.waitUntilGone(id, in: ctrd, shimSocket: socket, timeout: 10)
            #expect(traces.isEmpty, "left behind: \(traces)")
            #expect(
                try await ctrd.ctr(["containers", "ls", "-q"]).stdout.split(separator: "\n").contains {
                    $0 == id
                } == false)
        } cleanup: {
            await cleanUp(id)
        }
    }

    /// QEMU is SIGSTOPped (a hung guest): the watchdog must report the task exited within its
    /// deadline, and `ctr task delete` must then remove everything, the stopped VM included.
    @Test func hungQEMUIsReportedExitedAndDeleteCleansUp() async throws {
        let id = uniqueID("qstop")
        try await withCleanup {
            try await ctrd.runDetached(id, ["/bin/sleep", "600"])
            #expect(try await ctrd.waitForTask(id, status: "RUNNING", timeout: 60))
            let socket = SandboxTraces.shimSocket(of: id, in: ctrd)
            let qemu = try #require(HostProcesses.qemuPIDs(for: id).first)
            let stopped = Date()
            kill(qemu, SIGSTOP)
            let reported = try await ctrd.waitForTask(id, status: "STOPPED", timeout: Self.watchdogDeadline)
            let elapsed = Date().timeIntervalSince(stopped)
            print(
                "hung QEMU: task \(reported ? "STOPPED" : "not reported") after \(String(format: "%.2f", elapsed)) s"
            )
            let status = try await ctrd.taskStatus(id) ?? "unlisted"
            #expect(reported, "task still \(status) after \(elapsed) s")
            try await ctrd.deleteExpectingNothingLeft(id, shimSocket: socket)
        } cleanup: {
            await cleanUp(id)
        }
    }

    /// A sandbox-id annotation that climbs out of the runtime's directories, for both CRI
    /// container types (a pod's sandbox, and a container joining a pod). HostileInputTests
    /// checks the refusal names the annotation; this checks nothing at all is made or removed:
    /// the directory it names (the test's own, `/tmp/<dir>` from /run/vc/sbs) keeps exactly its
    /// contents, the same climb from the shared root (`/run/tmp/<dir>`) stays absent, and
    /// nothing of the container is left.
    @Test(arguments: ["sandbox", "container"])
    func pathLikeSandboxIDIsRefusedAndTouchesNothing(containerType: String) async throws {
        let name = "kata-fault-\(UUID().uuidString.prefix(8).lowercased())"
        let victim = "/tmp/\(name)"
        // Where the same id would put the shared directory (/run/kata-containers/shared/sandboxes/../../../).
        let sharedEscape = "/run/tmp/\(name)"
        let runTmpExisted = FileManager.default.fileExists(atPath: "/run/tmp")
        try FileManager.default.createDirectory(atPath: victim, withIntermediateDirectories: false)
        try "keep me\n".write(toFile: victim + "/marker", atomically: false, encoding: .utf8)
        let id = uniqueID("hostile")
        let hostileID = "../../../tmp/\(name)"
        try await withCleanup {
            let result = try await ctrd.run(
                id, ["/bin/true"],
                flags: [
                    "--annotation", "io.kubernetes.cri.container-type=\(containerType)",
                    "--annotation", "io.kubernetes.cri.sandbox-id=\(hostileID)",
                ])
            print("hostile sandbox id (\(containerType)): ctr run exited \(result.status): \(result.stderr)")
            #expect(result.status != 0)
            #expect(
                result.stderr.contains(hostileID), "the error should name the bad value: \(result.stderr)")
            let left = (try? FileManager.default.contentsOfDirectory(atPath: victim)) ?? []
            #expect(left == ["marker"], "\(victim) now holds \(left)")
            #expect((try? String(contentsOfFile: victim + "/marker", encoding: .utf8)) == "keep me\n")
            #expect(!FileManager.default.fileExists(atPath: sharedEscape), "\(sharedEscape) was created")
            #expect(
                HostProcesses.all().filter { $0.cmdline.contains(name) }.isEmpty, "a process names \(name)")
            let traces = await SandboxTraces.waitUntilGone(id, in: ctrd, timeout: 10)
            #expect(traces.isEmpty, "left behind: \(traces)")
        } cleanup: {
            await cleanUp(id)
            try? FileManager.default.removeItem(atPath: victim)
            try? FileManager.default.removeItem(atPath: sharedEscape)
            // rmdir removes it only if empty, and only a /run/tmp this test made is removed.
            if !runTmpExisted { rmdir("/run/tmp") }
        }
    }
}
