import Foundation
import KataCore
import Protocols
import TestFixtures
import Testing

@testable import Shim

/// The sandbox's life as the shim sees it, over a fake VM and agent: a dead VM or a silent
/// agent ends every process; Create and Shutdown never race into a second or a leftover VM.
@Suite struct SandboxLifecycleTests {
    @Test func aVMThatExitsEndsEveryProcessWith255() async throws {
        try await withHarness { harness in
            try await harness.create("c1")
            try await harness.start("c1")
            try await harness.exec("c1", "e1")
            try await harness.start("c1", exec: "e1")
            try await harness.exec("c1", "e2")  // added, never started
            harness.backend.hypervisor.crash()
            #expect(try await within(.seconds(5)) { try await harness.wait("c1") } == 255)
            #expect(try await within(.seconds(5)) { try await harness.wait("c1", exec: "e1") } == 255)
            #expect(try await within(.seconds(5)) { try await harness.wait("c1", exec: "e2") } == 255)
            #expect(try await harness.status("c1") == .stopped)
            // Torn down: the agent is closed, nothing of the sandbox remains on the host.
            #expect(try await eventually { harness.backend.agent.isClosed })
            // Nothing new can start in a dead sandbox (a Wait on it would never return).
            #expect(await errorCode { try await harness.exec("c1", "e3") }?.0 == .failedPrecondition)
            #expect(await errorCode { try await harness.create("c2") }?.0 == .failedPrecondition)
            try await within(.seconds(5)) { try await harness.delete("c1") }
            #expect(!FileManager.default.fileExists(atPath: harness.root + "/sbs/c1"))
            #expect(!FileManager.default.fileExists(atPath: harness.root + "/shared/c1"))
        }
    }

    @Test func anAgentThatStopsAnsweringEndsEveryProcessWith255() async throws {
        try await withHarness { harness in
            try await harness.create("c1")
            try await harness.start("c1")
            harness.backend.agent.stopAnswering()
            #expect(try await within(.seconds(5)) { try await harness.wait("c1") } == 255)
            // The VM of a silent agent is stopped, not left running.
            #expect(try await eventually { !harness.backend.hypervisor.isRunning })
            #expect(!harness.backend.agent.calls.contains("destroySandbox"))
        }
    }

    @Test func aHealthySandboxIsLeftAlone() async throws {
        try await withHarness { harness in
            try await harness.create("c1")
            try await harness.start("c1")
            try await Task.sleep(for: .milliseconds(400))  // several health-check intervals
            #expect(try await harness.status("c1") == .running)
            #expect(harness.backend.agent.calls.filter { $0 == "check" }.count >= 2)
        }
    }

    /// QEMU dies while the guest boots: Create fails at once saying so, not after the dial
    /// timeout, and nothing of the sandbox is left.
    @Test func aVMThatExitsDuringBootFailsCreateAtOnce() async throws {
        try await withHarness(dialHangs: true) { harness in
            let request = try harness.createRequest("c1")
            let create = Task { try await harness.service.create(request) }
            try await Task.sleep(for: .milliseconds(100))
            harness.backend.hypervisor.crash()
            let failure = try await within(.seconds(5)) { await errorCode { _ = try await create.value } }
            #expect(failure?.0 == .remote && failure?.1.contains("exited") == true, "\(failure?.1 ?? "")")
            #expect(!FileManager.default.fileExists(atPath: harness.root + "/sbs/c1"))
        }
    }

    @Test func concurrentFirstCreatesBootOneVM() async throws {
        try await withHarness(bootDelay: .milliseconds(300)) { harness in
            let first = try harness.createRequest("c1")
            let second = try harness.createRequest("c2")
            async let a = harness.service.create(first)
            async let b = harness.service.create(second)
            _ = try await (a, b)
            #expect(harness.backend.launches.value == 1)
            #expect(try await harness.status("c1") == .created)
            #expect(try await harness.status("c2") == .created)
        }
    }

    @Test func shutdownDuringTheFirstCreateWaitsForIt() async throws {
        try await withHarness(bootDelay: .milliseconds(300)) { harness in
            let request = try harness.createRequest("c1")
            let create = Task { try await harness.service.create(request) }
            try await Task.sleep(for: .milliseconds(50))
            await harness.service.shutdown(Containerd_Task_V2_ShutdownRequest())
            // The Create finished first; then a container existed, so Shutdown did nothing.
            _ = try await create.value
            #expect(harness.shutdowns.value == 0)
            #expect(harness.backend.hypervisor.isRunning)
            #expect(try await harness.status("c1") == .created)
        }
    }

    @Test func shutdownNowDuringTheFirstCreateStopsTheVMItBooted() async throws {
        try await withHarness(bootDelay: .milliseconds(300)) { harness in
            let request = try harness.createRequest("c1")
            let create = Task { try await harness.service.create(request) }
            try await Task.sleep(for: .milliseconds(50))
            var now = Containerd_Task_V2_ShutdownRequest()
            now.now = true
            await harness.service.shutdown(now)
            _ = try? await create.value
            #expect(harness.shutdowns.value == 1)
            #expect(!harness.backend.hypervisor.isRunning, "the VM booted during Shutdown was left running")
            #expect(!FileManager.default.fileExists(atPath: harness.root + "/sbs/c1"))
            let late = await errorCode { try await harness.create("c2") }
            #expect(late?.0 == .failedPrecondition)
        }
    }

    @Test func deletingTheLastContainerStopsTheVM() async throws {
        try await withHarness { harness in
            try await harness.create("c1")
            try await harness.start("c1")
            try await harness.kill("c1", signal: 15)
            #expect(try await within(.seconds(5)) { try await harness.wait("c1") } == 143)
            try await harness.delete("c1")
            #expect(!harness.backend.hypervisor.isRunning)
            #expect(harness.backend.agent.calls.contains("destroySandbox"))
            #expect(!FileManager.default.fileExists(atPath: harness.root + "/sbs/c1"))
        }
    }
}
