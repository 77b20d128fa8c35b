import Agent
import KataCore
import VirtualMachine

/// How often and how patiently the agent is asked whether it still serves.
public struct HealthCheckPolicy: Sendable, Equatable {
    public var interval: Duration
    /// Each Health.Check's deadline.
    public var deadline: Duration
    /// Consecutive failed checks after which the agent counts as gone (a loaded TCG guest can
    /// miss one).
    public var allowedMisses: Int

    public init(interval: Duration, deadline: Duration, allowedMisses: Int) {
        self.interval = interval
        self.deadline = deadline
        self.allowedMisses = max(1, allowedMisses)
    }

    public static let standard = HealthCheckPolicy(
        interval: .seconds(1), deadline: .seconds(3), allowedMisses: 2)
}

/// Watches a running sandbox: QEMU's exit, and the agent's answers to Health.Check. The first
/// to go decides the outcome: the reason the sandbox died, or nil when `stop()` (an orderly
/// shutdown) came first.
final class SandboxWatchdog: Sendable {
    private let outcome = OnceValue<String?>()
    private let health: Task<Void, Never>

    init(hypervisor: any RunningVirtualMachine, agent: any KataAgent, policy: HealthCheckPolicy) {
        let outcome = outcome
        Task {
            let how = await hypervisor.waitForExit()
            outcome.set("the VM exited (\(how))")
        }
        health = Task {
            var misses = 0
            while !Task.isCancelled {
                try? await Task.sleep(for: policy.interval)
                guard !Task.isCancelled else { return }
                let answered: Bool
                do { answered = try await agent.check(timeout: policy.deadline) } catch { answered = false }
                misses = answered ? 0 : misses + 1
                if misses >= policy.allowedMisses {
                    outcome.set(
                        "the agent did not answer Health.Check \(misses) times in a row "
                            + "(deadline \(policy.deadline) each)")
                    return
                }
            }
        }
    }

    /// Waits for the outcome: why the sandbox died, or nil after `stop()`.
    func deathReason() async -> String? { await outcome.value() }

    /// The reason if the sandbox has died already.
    var currentDeathReason: String? { outcome.current ?? nil }

    /// An orderly stop begins: a VM exit from now on is expected.
    func stop() {
        outcome.set(nil)
        health.cancel()
    }
}
