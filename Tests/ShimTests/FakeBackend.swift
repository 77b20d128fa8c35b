import Agent
import Foundation
import KataCore
import Logging
import OCI
import Runtime
import Synchronization
import TestFixtures
import VirtualMachine

/// A stand-in VM: no process, an exit that `crash()` or `stop` brings about.
final class FakeHypervisor: RunningVirtualMachine {
    let pid: Int32 = 0
    let exited = OnceValue<String>()
    let stops = Count()
    /// Set by `FakeBackend.launch`: a real backend's VM knows its description from the start.
    let launched = Mutex<VirtualMachineDescription?>(nil)

    var launchDescription: VirtualMachineDescription {
        guard let description = launched.withLock({ $0 }) else {
            preconditionFailure("FakeHypervisor asked for its description before FakeBackend launched it")
        }
        return description
    }

    func stop(timeout: Duration) async {
        stops.add()
        exited.set("stopped")
    }
    func waitForExit() async -> String { await exited.value() }
    func crash() { exited.set("killed by signal 9") }
    var isRunning: Bool { exited.current == nil }
}

/// One fake VM + agent per launch, counted, with an optional boot delay.
final class FakeBackend: VirtualMachineBackend {
    let name = "fake"
    let agent = FakeAgent()
    let hypervisor = FakeHypervisor()
    let launches = Count()
    let bootDelay: Duration
    /// The agent never answers the dial (a guest that never boots), until cancelled.
    let dialHangs: Bool
    /// The channels the shim dialed, in order.
    let dialedChannels = Mutex<[AgentChannel]>([])
    /// Each read-only disk's bytes as they were when the VM launched (nil: no such file).
    let disksAtLaunch = Mutex<[String: [UInt8]?]>([:])

    init(bootDelay: Duration = .zero, dialHangs: Bool = false) {
        self.bootDelay = bootDelay
        self.dialHangs = dialHangs
    }

    /// The last description launched (nil before any launch).
    var lastLaunched: VirtualMachineDescription? { hypervisor.launched.withLock { $0 } }

    func commandLine(for description: VirtualMachineDescription) throws -> [String] {
        [description.hypervisorPath, "sandbox-\(description.sandboxID)"]
    }

    func launch(_ description: VirtualMachineDescription, logger: Logger) async throws
        -> any RunningVirtualMachine
    {
        launches.add()
        hypervisor.launched.withLock { $0 = description }
        for disk in description.readOnlyDisks {
            let bytes = try? readFileBytes(disk.path)
            disksAtLaunch.withLock { $0[disk.path] = bytes }
        }
        try await Task.sleep(for: bootDelay)
        return hypervisor
    }

    var dialer: AgentDialer {
        { [self] channel, _ in
            dialedChannels.withLock { $0.append(channel) }
            if dialHangs { try await Task.sleep(for: .seconds(3600)) }
            return agent
        }
    }
}
