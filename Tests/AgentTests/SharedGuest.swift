import Agent
import AgentVMSupport
import KataCore
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// One booted guest (real QEMU under TCG, the image from `make guest`) with a created sandbox,
/// shared by every test of a suite marked `.sharedGuest`: booting costs seconds. Each test
/// uses its own container ids, so the tests may run in parallel. After the suite the sandbox
/// is destroyed over a second connection (the agent must serve a reconnecting host) and the VM
/// shut down; a QEMU process or temp directory left behind fails the suite.
struct SharedGuestTrait: SuiteTrait, TestScoping {
    @TaskLocal static var current: AgentVM?

    var isRecursive: Bool { false }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        let vm = try await AgentVM.boot(image: try GuestImage.built())
        var failure: (any Error)?
        do {
            try await vm.agent.createSandbox(
                SandboxRequest(
                    hostname: "kata-test", sandboxID: "sandbox-1", storages: [AgentVM.sharedStorage]))
            try await Self.$current.withValue(vm) { try await function() }
            // The port carries one host connection at a time; after the host client goes
            // away (a restarted shim, say) the agent must serve the next one.
            await vm.agent.close()
            let again = try await TTRPCAgent.connect(
                to: .serialSocket(path: vm.agentSocket), dialTimeout: .seconds(30))
            try await again.destroySandbox()
            await again.close()
        } catch {
            failure = KataError(.internal, "\(error)\nguest console:\n\(vm.console)")
        }
        await vm.shutdown()
        if kill(vm.qemu.pid, 0) == 0 || errno != ESRCH {
            throw KataError(.internal, "QEMU \(vm.qemu.pid) still exists after shutdown")
        }
        if access(vm.directory, F_OK) == 0 {
            throw KataError(.internal, "\(vm.directory) left behind after shutdown")
        }
        if let failure { throw failure }
    }
}

extension Trait where Self == SharedGuestTrait {
    static var sharedGuest: SharedGuestTrait { SharedGuestTrait() }
}

/// The shared guest of the running suite.
func guest() throws -> AgentVM {
    guard let vm = SharedGuestTrait.current else {
        throw KataError(.failedPrecondition, "test runs outside a .sharedGuest suite")
    }
    return vm
}

/// A container id no other test uses.
func uniqueID(_ prefix: String) -> String {
    "\(prefix)-\(UInt32.random(in: 0...UInt32.max))"
}
