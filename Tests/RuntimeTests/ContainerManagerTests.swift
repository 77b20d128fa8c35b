import Foundation
import KataCore
import OCI
import Testing

@testable import Runtime

#if canImport(Glibc)
    import Glibc
#endif

/// The container manager over a fake sandbox and agent: state transitions, the errors of a
/// wrong state, exits reported once, and what Delete and a stop release.
@Suite struct ContainerManagerTests {
    @Test func aProcessGoesFromCreatedToRunningToStopped() async throws {
        let fixture = ManagerFixture()
        try await fixture.create("c1")
        #expect(await fixture.sandbox.created == ["c1"])
        #expect(try await fixture.status("c1") == .created)
        try await fixture.manager.start(containerID: "c1", execID: "")
        #expect(try await fixture.status("c1") == .running)
        fixture.agent.exit("c1", code: 3)
        #expect(try await fixture.wait("c1") == 3)
        let snapshot = try await fixture.manager.snapshot(containerID: "c1", execID: "")
        #expect(snapshot.status == .stopped && snapshot.exit?.status == 3 && snapshot.bundle == "/bundles/c1")
        // Started before it exited, in that order, each once.
        #expect(fixture.log.all.first == .processStarted(containerID: "c1", execID: ""))
        #expect(fixture.log.exits("c1") == [3])
    }

    @Test func anExecRunsAfterItsStartAndPausingShowsOnTheInitProcess() async throws {
        let fixture = ManagerFixture()
        try await fixture.create("c1")
        try await fixture.manager.start(containerID: "c1", execID: "")
        try await fixture.exec("c1", "e1")
        #expect(try await fixture.status("c1", "e1") == .created)
        #expect(!fixture.agent.calls.contains("exec c1 e1"))
        try await fixture.manager.start(containerID: "c1", execID: "e1")
        #expect(fixture.agent.calls.contains("exec c1 e1"))
        #expect(try await fixture.manager.processes(containerID: "c1").map(\.status) == [.running, .running])
        try await fixture.manager.pause(containerID: "c1")
        #expect(try await fixture.status("c1") == .paused)
        #expect(try await fixture.status("c1", "e1") == .running)
        try await fixture.manager.resume(containerID: "c1")
        #expect(try await fixture.status("c1") == .running)
        try await fixture.manager.kill(containerID: "c1", execID: "e1", signal: 15)
        #expect(try await fixture.wait("c1", "e1") == 143)
        #expect(fixture.log.all.contains(.processStarted(containerID: "c1", execID: "e1")))
    }

    @Test func aWrongStateIsAFailedPreconditionAndAnUnknownIDNotFound() async throws {
        let fixture = ManagerFixture()
        let manager = fixture.manager
        try await fixture.create("c1")
        #expect(await errorCode { try await fixture.create("c1") } == .failedPrecondition)
        try await manager.start(containerID: "c1", execID: "")
        #expect(
            await errorCode { try await manager.start(containerID: "c1", execID: "") } == .failedPrecondition)
        #expect(
            await errorCode { _ = try await manager.delete(containerID: "c1", execID: "") }
                == .failedPrecondition)
        try await fixture.exec("c1", "e1")
        #expect(await errorCode { try await fixture.exec("c1", "e1") } == .failedPrecondition)
        fixture.agent.exit("c1", code: 0)
        _ = try await fixture.wait("c1")
        #expect(
            await errorCode { try await manager.start(containerID: "c1", execID: "") } == .failedPrecondition)

        #expect(await errorCode { try await manager.start(containerID: "c2", execID: "") } == .notFound)
        #expect(await errorCode { try await manager.start(containerID: "c1", execID: "e9") } == .notFound)
        #expect(
            await errorCode { _ = try await manager.wait(containerID: "../c1", execID: "") }
                == .invalidArgument)
        #expect(await errorCode { try await fixture.exec("c1", "e/2") } == .invalidArgument)
        // The exec's spec is read only after the container was found.
        let unknown = await errorCode {
            try await manager.exec(containerID: "c2", execID: "e1", io: ManagerFixture.noIO) {
                throw KataError(.invalidArgument, "never read")
            }
        }
        #expect(unknown == .notFound)
    }

    @Test func anExitIsReportedOnceEvenWhenTheSandboxDiesAfter() async throws {
        let fixture = ManagerFixture()
        try await fixture.create("c1")
        try await fixture.manager.start(containerID: "c1", execID: "")
        fixture.agent.exit("c1", code: 0)
        #expect(try await fixture.wait("c1") == 0)
        try await fixture.create("c2")
        try await fixture.manager.start(containerID: "c2", execID: "")
        try await fixture.exec("c2", "e1")  // added, never started
        await fixture.manager.sandboxDied()
        #expect(try await fixture.wait("c2") == 255)
        #expect(try await fixture.wait("c2", "e1") == 255)
        // A stopped process is not signalled again: NotFound, as runc's shim answers.
        #expect(
            await errorCode { try await fixture.manager.kill(containerID: "c1", execID: "", signal: 9) }
                == .notFound)
        #expect(!fixture.agent.calls.contains { $0.hasPrefix("signal c1") })
        // The stop ends the WaitProcess still pending for c2: no second report.
        await fixture.manager.stopSandbox()
        try await Task.sleep(for: .milliseconds(100))
        #expect(fixture.log.exits("c1") == [0])
        #expect(fixture.log.exits("c2") == [255])
        #expect(fixture.log.exits("c2", "e1") == [255])
        // Nothing reaches a dead sandbox; Delete only forgets.
        #expect(await errorCode { try await fixture.exec("c2", "e2") } == .failedPrecondition)
        #expect(await errorCode { try await fixture.create("c3") } == .failedPrecondition)
        let deletion = try await fixture.manager.delete(containerID: "c2", execID: "")
        #expect(deletion.process.exit?.status == 255 && !deletion.lastContainer)
        #expect(await fixture.sandbox.removed.isEmpty)
    }

    @Test func aContainerKilledBeforeItStartedIsReportedKilled() async throws {
        let fixture = ManagerFixture()
        try await fixture.create("c1")
        try await fixture.manager.kill(containerID: "c1", execID: "", signal: 9)
        #expect(try await fixture.wait("c1") == 137)
        #expect(!fixture.agent.calls.contains { $0.hasPrefix("signal") })
        #expect(
            await errorCode { try await fixture.manager.start(containerID: "c1", execID: "") }
                == .failedPrecondition)
    }

    /// A stdin FIFO nobody opens for writing holds a thread in open(2) until its relay is
    /// released: Delete of a never started container releases it, an exec's exit does.
    @Test func deleteAndExitReleaseTheRelay() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("cm-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { _ = removeTree(dir) }
        for name in ["c1-in", "e1-in"] { #expect(mkfifo("\(dir)/\(name)", 0o600) == 0) }
        func stdin(_ name: String) -> ProcessIO.Paths {
            ProcessIO.Paths(stdin: "\(dir)/\(name)", stdout: "", stderr: "", terminal: false)
        }
        let fixture = ManagerFixture()
        try await fixture.create("c1", io: stdin("c1-in"))
        try await fixture.create("c2")
        try await fixture.manager.start(containerID: "c2", execID: "")
        try await fixture.exec("c2", "e1", io: stdin("e1-in"))
        try await fixture.manager.start(containerID: "c2", execID: "e1")
        fixture.agent.exit("c2", "e1", code: 0)
        #expect(try await fixture.wait("c2", "e1") == 0)
        #expect(try await eventuallyNoReader("\(dir)/e1-in"))
        _ = try await fixture.manager.delete(containerID: "c2", execID: "e1")
        #expect(await errorCode { _ = try await fixture.status("c2", "e1") } == .notFound)

        let deletion = try await fixture.manager.delete(containerID: "c1", execID: "")
        #expect(deletion.process.status == .created && !deletion.lastContainer)
        #expect(await fixture.sandbox.removed == ["c1"])
        #expect(try await eventuallyNoReader("\(dir)/c1-in"))
        #expect(await errorCode { _ = try await fixture.status("c1") } == .notFound)

        fixture.agent.exit("c2", code: 0)
        _ = try await fixture.wait("c2")
        #expect(try await fixture.manager.delete(containerID: "c2", execID: "").lastContainer)
        #expect(await fixture.manager.isEmpty)
    }

    @Test func theSandboxIsStoppedOnceAndNothingStartsAfter() async throws {
        let fixture = ManagerFixture()
        try await fixture.create("c1")
        await fixture.manager.stopSandbox()
        await fixture.manager.stopSandbox()
        #expect(await fixture.sandbox.stops == 1)
        #expect(
            await errorCode { try await fixture.manager.start(containerID: "c1", execID: "") }
                == .failedPrecondition)
        #expect(await errorCode { try await fixture.exec("c1", "e1") } == .failedPrecondition)
    }

    /// True when nobody holds the FIFO open for reading after a moment (a non-blocking writer
    /// finds no reader). One probe only: a writer that found a reader would end its open(2).
    func eventuallyNoReader(_ path: String) async throws -> Bool {
        try await Task.sleep(for: .milliseconds(150))
        let probe = open(path, O_WRONLY | O_NONBLOCK)
        if probe >= 0 { close(probe) }
        return probe < 0 && errno == ENXIO
    }
}
