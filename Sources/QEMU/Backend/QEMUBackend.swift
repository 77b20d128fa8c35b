import Logging
import VirtualMachine

/// QEMU as a `VirtualMachineBackend`: renders the description and runs it in the
/// description's run directory. Everything about the VM arrives in the description.
public struct QEMUBackend: VirtualMachineBackend {
    public let name = "qemu"
    /// From spawn to QMP ready.
    public var readyTimeout: Duration

    public init(readyTimeout: Duration = .seconds(10)) { self.readyTimeout = readyTimeout }

    /// Exactly the argv `launch` spawns (QMP socket and pid file included).
    public func commandLine(for description: VirtualMachineDescription) throws -> [String] {
        let line = QEMUInstance.prepared(
            try QEMUCommandLine(rendering: description), runDirectory: description.runDirectory)
        return [line.binary] + line.arguments
    }

    public func launch(_ description: VirtualMachineDescription, logger: Logger) async throws
        -> any RunningVirtualMachine
    {
        let instance = try await QEMUInstance.launch(
            try QEMUCommandLine(rendering: description), runDirectory: description.runDirectory,
            readyTimeout: readyTimeout, logger: logger)
        return QEMUVirtualMachine(instance: instance, launchDescription: description)
    }
}

/// A VM that `QEMUBackend` started: the QEMU instance and the description it was launched from.
public final class QEMUVirtualMachine: RunningVirtualMachine {
    public let instance: QEMUInstance
    public let launchDescription: VirtualMachineDescription
    let ports: HotplugPorts

    public var pid: Int32 { instance.pid }

    init(instance: QEMUInstance, launchDescription: VirtualMachineDescription) {
        self.instance = instance
        self.launchDescription = launchDescription
        ports = HotplugPorts(count: launchDescription.hotplugPorts)
    }

    public func stop(timeout: Duration) async { _ = await instance.stop(timeout: timeout) }

    public func waitForExit() async -> String { "\(await instance.waitForExit())" }
}
