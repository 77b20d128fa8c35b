import Agent
import KataCore
import Logging
import OCI

/// The containers of one sandbox and the state of their processes: create, start, exec,
/// signal, wait, delete, stdio and exits. Callers speak in runtime types (the shim translates
/// containerd's requests); what happens on its own (a process starts, a process exits) is
/// reported through `onEvent`, synchronously and in order, before any Wait sees the exit.
public actor ContainerManager {
    public nonisolated let sandbox: any ContainerSandbox
    let logger: Logger
    let onEvent: @Sendable (RuntimeEvent) -> Void
    var containers: [String: Container] = [:]
    /// Ids of Creates in flight: a second Create of the same id fails at once.
    var creating: Set<String> = []
    /// Set once the sandbox died or began to stop: no call reaches the guest any more.
    var sandboxGone = false
    /// Set by the first `stopSandbox()`: the sandbox is stopped once.
    var stopRequested = false
    /// The one GetOOMEvent loop of the sandbox, from the first Create until the sandbox stops.
    var oomWatch: Task<Void, Never>?
    /// Containers whose OOM kill was reported (until they are deleted).
    var oomReported: Set<String> = []
    /// Exits of SIGKILLed init processes waiting for their container's OOM report.
    var oomWaiters: [String: [(token: Int, waiter: CheckedContinuation<Void, Never>)]] = [:]
    var nextOOMToken = 0

    public init(
        sandbox: any ContainerSandbox, logger: Logger, onEvent: @escaping @Sendable (RuntimeEvent) -> Void
    ) {
        self.sandbox = sandbox
        self.logger = logger
        self.onEvent = onEvent
    }

    public var isEmpty: Bool { containers.isEmpty }
    public func contains(_ id: String) -> Bool { containers[id] != nil || creating.contains(id) }

    /// Checks a container id and an optional exec id (empty: the init process) against
    /// containerd's identifier rule, naming the field.
    public static func validate(id: String, execID: String = "") throws {
        try Identifier.validate(id, field: "id")
        if !execID.isEmpty { try Identifier.validate(execID, field: "exec_id") }
    }

    // MARK: Create, Start, Exec

    /// Has the sandbox share the root filesystem and the agent create the container; its init
    /// process is then created and its stdio relay runs.
    public func create(id: String, bundle: String, spec: Spec, rootfs: [RootfsMount], io: ProcessIO.Paths)
        async throws
    {
        try Self.validate(id: id)
        guard !contains(id) else {
            throw KataError(.failedPrecondition, "container \(id) already exists in this shim")
        }
        _ = try agent()
        creating.insert(id)
        defer { creating.remove(id) }
        try await sandbox.createContainer(id: id, spec: spec, rootfs: rootfs, bundle: bundle)
        // Died meanwhile: a process added now would never be reported exited.
        guard !sandboxGone else {
            throw KataError(
                .failedPrecondition, "create \(id): the sandbox stopped while the container was made")
        }
        let relay = ProcessIO(containerID: id, execID: "", paths: io, agent: sandbox.agent)
        let process = RuntimeProcess(containerID: id, execID: "", io: io, launch: .container(relay: relay))
        containers[id] = Container(id: id, bundle: bundle, spec: spec, initProcess: process)
        relay.start()
        watchOOM()
    }

    /// Starts a created process (the container's init, or an exec) and watches for its exit.
    public func start(containerID: String, execID: String) async throws {
        let (container, process) = try lookup(containerID, execID)
        let launch = try process.launch()
        let agent = try agent()
        let relay: ProcessIO
        switch launch {
        case .container(let initRelay):
            try await agent.startContainer(id: container.id)
            relay = initRelay
        case .exec(let spec):
            try await agent.execProcess(containerID: container.id, execID: execID, process: spec)
            relay = ProcessIO(containerID: container.id, execID: execID, paths: process.io, agent: agent)
            relay.start()
        }
        guard process.started(relay: relay) else {
            // Stopped while it started (killed before Start, or the sandbox died): stays so.
            relay.cancel()
            return
        }
        onEvent(.processStarted(containerID: container.id, execID: execID))
        watchExit(process, relay: relay, agent: agent)
    }

    /// Adds an exec to a container; it runs at `start`. `spec` is read only after the ids and
    /// the container were checked, so those errors come first.
    public func exec(
        containerID: String, execID: String, io: ProcessIO.Paths, spec: @Sendable () throws -> OCI.Process
    ) throws {
        let (container, _) = try lookup(containerID, "")
        try Identifier.validate(execID, field: "exec_id")
        // Without a sandbox the exec could never start, and a Wait on it would never return.
        _ = try agent()
        guard container.execs[execID] == nil else {
            throw KataError(.failedPrecondition, "exec id \"\(execID)\" is already in use")
        }
        let process = try spec()
        container.execs[execID] = RuntimeProcess(
            containerID: container.id, execID: execID, io: io, launch: .exec(spec: process))
    }

    // MARK: State, Delete

    public func snapshot(containerID: String, execID: String) throws -> ProcessSnapshot {
        let (container, process) = try lookup(containerID, execID)
        return process.snapshot(bundle: container.bundle)
    }

    /// The container's processes, the init process first.
    public func processes(containerID: String) throws -> [ProcessSnapshot] {
        let (container, _) = try lookup(containerID, "")
        return container.processes.map { $0.snapshot(bundle: container.bundle) }
    }

    /// Forgets a stopped (or never started) process. An init process takes its container with
    /// it: removed in the guest (unless the sandbox is gone, whose teardown removed the mounts),
    /// every relay of the container cancelled.
    public func delete(containerID: String, execID: String) async throws -> ProcessDeletion {
        let (container, process) = try lookup(containerID, execID)
        try process.requireDeletable()
        if !execID.isEmpty {
            process.release()
            container.execs[execID] = nil
            return ProcessDeletion(process: process.snapshot(bundle: container.bundle), lastContainer: false)
        }
        if !sandboxGone {
            do {
                try await sandbox.removeContainer(id: container.id)
            } catch {
                logger.warning("removing container \(container.id) in the guest: \(error)")
            }
        }
        container.processes.forEach { $0.release() }
        containers[container.id] = nil
        oomReported.remove(container.id)
        return ProcessDeletion(
            process: process.snapshot(bundle: container.bundle), lastContainer: containers.isEmpty)
    }

    // MARK: Helpers

    /// The container and process named; ids are checked first (an empty exec id means the
    /// init process).
    func lookup(_ id: String, _ execID: String) throws -> (Container, RuntimeProcess) {
        try Self.validate(id: id, execID: execID)
        guard let container = containers[id] else { throw KataError(.notFound, "container \(id) not found") }
        guard let process = container.process(execID) else {
            throw KataError(.notFound, "container \(id) has no process \(execID)")
        }
        return (container, process)
    }

    /// The agent, while the sandbox is alive.
    func agent() throws -> any KataAgent {
        guard !sandboxGone else { throw KataError(.failedPrecondition, "no sandbox in this shim") }
        return sandbox.agent
    }
}
