import KataConfig
import KataCore
import Logging
import QEMU

/// A running sandbox VM, as the runtime sees it: where to reach the agent, how to stop it, and
/// how to learn that it died.
public protocol Hypervisor: Sendable {
    /// The hypervisor process (QEMU).
    var pid: Int32 { get }
    /// The host end of the agent channel (a unix socket).
    var agentSocketPath: String { get }
    /// Stops the VM: gracefully within `timeout`, then by force. Safe to call twice.
    func stop(timeout: Duration) async
    /// Returns when the VM has exited, with a description of how.
    func waitForExit() async -> String
}

/// QEMU as the runtime's hypervisor.
public final class QEMUHypervisor: Hypervisor {
    public let instance: QEMUInstance
    public let agentSocketPath: String
    public let plan: VMPlan

    public var pid: Int32 { instance.pid }

    init(instance: QEMUInstance, plan: VMPlan) {
        self.instance = instance
        self.plan = plan
        self.agentSocketPath = QEMUCommandLine.agentSocketPath(plan)
    }

    /// Starts the VM described by `plan` and waits until QEMU's monitor answers. The guest then
    /// boots on its own; the agent connection tells when it is up.
    public static func launch(_ plan: VMPlan, logger: Logger) async throws -> QEMUHypervisor {
        let accelerator: Accelerator =
            switch plan.accelerator {
            case .kvm: .kvm
            case .tcg: .tcg
            case .auto: AcceleratorChoice.auto.resolve()
            }
        let line = try QEMUCommandLine.sandbox(plan, accelerator: accelerator)
        let instance = try await QEMUInstance.launch(line, runDirectory: plan.runDirectory, logger: logger)
        return QEMUHypervisor(instance: instance, plan: plan)
    }

    public func stop(timeout: Duration) async { _ = await instance.stop(timeout: timeout) }

    public func waitForExit() async -> String { "\(await instance.waitForExit())" }
}
