import Foundation
import KataCore
import Testing

@testable import Runtime

/// The sandbox's OOM loop over the fake agent: a kill is reported for its container, before
/// the exit of an init process it killed even when the exit is seen first; a plain SIGKILL
/// waits only the grace; a failing agent is not asked in a tight loop; the loop ends with the
/// sandbox.
@Suite struct ContainerManagerOOMTests {
    @Test func anOOMKillIsReportedBeforeTheExitItCaused() async throws {
        let fixture = ManagerFixture()
        try await fixture.create("c1")
        try await fixture.manager.start(containerID: "c1", execID: "")
        // The exit arrives first; the OOM report 100 ms later still comes out ahead of it.
        fixture.agent.exit("c1", code: 137)
        try await Task.sleep(for: .milliseconds(100))
        fixture.agent.oomKill("c1")
        #expect(try await fixture.wait("c1") == 137)
        let exit = try #require(fixture.log.exit("c1"))
        let tail = Array(fixture.log.all.suffix(2))
        #expect(
            tail == [
                .outOfMemory(containerID: "c1"), .processExited(containerID: "c1", execID: "", exit: exit),
            ],
            "\(fixture.log.all)")
    }

    @Test func aSIGKILLWithoutOOMWaitsOnlyTheGraceAndOtherExitsNotAtAll() async throws {
        let fixture = ManagerFixture()
        try await fixture.create("c1")
        try await fixture.create("c2")
        try await fixture.manager.start(containerID: "c1", execID: "")
        try await fixture.manager.start(containerID: "c2", execID: "")
        let clock = ContinuousClock()
        var started = clock.now
        fixture.agent.exit("c1", code: 137)
        #expect(try await fixture.wait("c1") == 137)
        let killed = clock.now - started
        #expect(killed >= ContainerManager.oomGrace && killed < .seconds(3), "\(killed)")
        started = clock.now
        fixture.agent.exit("c2", code: 1)
        #expect(try await fixture.wait("c2") == 1)
        #expect(clock.now - started < ContainerManager.oomGrace, "\(clock.now - started)")
        #expect(!fixture.log.all.contains { if case .outOfMemory = $0 { true } else { false } })
    }

    @Test func aKillInAnUnknownContainerIsDroppedAndAnExecsKillReported() async throws {
        let fixture = ManagerFixture()
        try await fixture.create("c1")
        try await fixture.manager.start(containerID: "c1", execID: "")
        fixture.agent.oomKill("../nope")
        fixture.agent.oomKill("c1")
        try await until { fixture.log.all.contains(.outOfMemory(containerID: "c1")) }
        #expect(fixture.log.all.filter { if case .outOfMemory = $0 { true } else { false } }.count == 1)
        #expect(fixture.agent.calls.filter { $0 == "getOOMEvent" }.count >= 2)
    }

    @Test func aFailingAgentIsAskedWithGrowingPausesAndTheLoopEndsWithTheSandbox() async throws {
        let fixture = ManagerFixture()
        fixture.agent.failOOMEvents()
        let clock = ContinuousClock()
        let started = clock.now
        try await fixture.create("c1")
        var asked: Int { fixture.agent.calls.filter { $0 == "getOOMEvent" }.count }
        try await until(seconds: 10) { asked >= 3 }
        // Three calls take at least the first two pauses (100 + 200 ms): no tight loop. A slow
        // machine only makes this longer.
        let elapsed = clock.now - started
        #expect(elapsed >= .milliseconds(300), "3 calls in \(elapsed)")
        await fixture.manager.stopSandbox()
        let atStop = asked
        try await Task.sleep(for: .milliseconds(1000))
        #expect(asked == atStop, "asked again after the sandbox stopped")
    }

    /// Polls `condition` for up to `seconds`.
    func until(seconds: Int = 5, _ condition: () -> Bool) async throws {
        for _ in 0..<(seconds * 20) where !condition() { try await Task.sleep(for: .milliseconds(50)) }
        #expect(condition())
    }
}
