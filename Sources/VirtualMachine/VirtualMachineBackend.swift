import KataCore
import Logging

/// A hypervisor that can launch a `VirtualMachineDescription` (QEMU is one).
public protocol VirtualMachineBackend: Sendable {
    /// The backend's name for logs and reports, e.g. "qemu".
    var name: String { get }
    /// The argv the backend would run for `description` (executable first), without starting
    /// anything: what `kata-runtime measure --config --json` reports and what tests compare.
    func commandLine(for description: VirtualMachineDescription) throws -> [String]
    /// Starts the VM and returns once the hypervisor is ready to be managed; the guest then
    /// boots on its own (the agent channel tells when it is up). On failure nothing is left.
    func launch(_ description: VirtualMachineDescription, logger: Logger) async throws
        -> any RunningVirtualMachine
}

/// A launched VM, as the runtime sees it: how to stop it and how to learn that it died.
public protocol RunningVirtualMachine: Sendable {
    /// The hypervisor process.
    var pid: Int32 { get }
    var launchDescription: VirtualMachineDescription { get }
    /// Stops the VM: gracefully within `timeout`, then by force. Safe to call twice.
    func stop(timeout: Duration) async
    /// Returns when the VM has exited, with a description of how.
    func waitForExit() async -> String
    /// Hot-plugs the host file `path` as a read-only virtio block device named `id` and returns
    /// where the guest finds it. A failed attach leaves nothing attached.
    func attachReadOnlyBlockDevice(id: String, path: String, timeout: Duration) async throws -> GuestPCIPath
    /// Unplugs what `attachReadOnlyBlockDevice` attached as `id` (the guest must let go of it first).
    func detachBlockDevice(id: String, timeout: Duration) async throws
}

extension RunningVirtualMachine {
    public func attachReadOnlyBlockDevice(id: String, path: String, timeout: Duration) async throws
        -> GuestPCIPath
    {
        throw KataError(.unsupported, "this hypervisor backend cannot hot-plug block devices")
    }

    public func detachBlockDevice(id: String, timeout: Duration) async throws {
        throw KataError(.unsupported, "this hypervisor backend cannot hot-plug block devices")
    }
}
