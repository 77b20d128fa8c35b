import Agent
import KataCore
import VirtualMachine

extension Sandbox {
    /// Dials the agent while watching QEMU: a VM that exits during boot fails the dial at once
    /// with how it exited, instead of the dial retrying until its deadline against a socket
    /// that is gone. A connection that arrives after giving up is closed.
    static func dialWhileRunning(
        _ vm: any RunningVirtualMachine, dialer: @escaping AgentDialer, timeout: Duration
    ) async throws -> any KataAgent {
        let outcome = OnceValue<Result<any KataAgent, any Error>>()
        let dial = Task { () -> (any KataAgent)? in
            do {
                let agent = try await dialer(vm.launchDescription.agentChannel, timeout)
                outcome.set(.success(agent))
                return agent
            } catch {
                outcome.set(.failure(error))
                return nil
            }
        }
        Task {
            let how = await vm.waitForExit()
            outcome.set(.failure(KataError(.remote, "the VM exited while the guest was booting (\(how))")))
        }
        let result = await outcome.value()
        if case .failure = result {
            dial.cancel()
            Task { await dial.value?.close() }
        }
        return try result.get()
    }
}
