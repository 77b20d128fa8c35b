import Agent
import OCI

/// What the container manager asks of its sandbox: `Sandbox` in the runtime, a stand-in without
/// a VM in unit tests.
public protocol ContainerSandbox: AnyObject, Sendable {
    var agent: any KataAgent { get }
    /// Shares the container's root filesystem and has the agent create the container.
    func createContainer(id: String, spec: Spec, rootfs: [RootfsMount], bundle: String) async throws
    /// Removes the container in the guest and its shared root filesystem on the host.
    func removeContainer(id: String) async throws
    /// Stops the VM and removes what the sandbox made on the host.
    func stop() async
}

extension Sandbox: ContainerSandbox {}
