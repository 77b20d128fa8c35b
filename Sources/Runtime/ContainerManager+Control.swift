import Agent
import KataCore
import OCI

extension ContainerManager {
    /// Signals a process. A stopped one is NotFound ("process already finished"), as runc's
    /// shim answers, so a second Kill reports an error; a container never started has nothing
    /// to signal and is reported killed (128 + signal).
    public func kill(containerID: String, execID: String, signal: Int32) async throws {
        let (container, process) = try lookup(containerID, execID)
        switch process.state {
        case .stopped:
            throw KataError(.notFound, "\(process.name): process already finished")
        case .created where execID.isEmpty:
            exited(process, code: 128 + signal)
        case .created, .running:
            try await agent().signalProcess(containerID: container.id, execID: execID, signal: signal)
        }
    }

    /// Returns once the process exited (after its exit was reported through `onEvent`).
    public func wait(containerID: String, execID: String) async throws -> ProcessExit {
        let exit = try lookup(containerID, execID).1.exit
        return await exit.value()
    }

    public func pause(containerID: String) async throws {
        let (container, process) = try lookup(containerID, "")
        try await agent().pauseContainer(id: container.id)
        process.setPaused(true)
    }

    public func resume(containerID: String) async throws {
        let (container, process) = try lookup(containerID, "")
        try await agent().resumeContainer(id: container.id)
        process.setPaused(false)
    }

    /// CloseIO: with `stdin`, what was written to the process's stdin before is forwarded and
    /// then the process sees EOF. A stopped process has no stdin left to close.
    public func closeIO(containerID: String, execID: String, stdin: Bool) async throws {
        let (_, process) = try lookup(containerID, execID)
        if stdin { await process.state.relay?.closeStdin() }
    }

    public func resizeTerminal(containerID: String, execID: String, rows: UInt32, columns: UInt32)
        async throws
    {
        let (container, process) = try lookup(containerID, execID)
        // Without a terminal there is nothing to resize: accepted and ignored, as by runc's shim.
        guard process.io.terminal else { return }
        try await agent().resizeTerminal(
            containerID: container.id, execID: process.execID, rows: rows, columns: columns)
    }

    /// Applies new resource limits; `resources` is read only after the container was found.
    public func update(containerID: String, resources: @Sendable () throws -> Resources) async throws {
        let (container, _) = try lookup(containerID, "")
        let limits = try resources()
        try await agent().updateContainer(id: container.id, resources: limits)
    }

    /// The container's processes as the guest numbers them, the init process first.
    public func guestProcessIDs(containerID: String) async throws -> [Int32] {
        let (container, _) = try lookup(containerID, "")
        return try await agent().listProcesses(containerID: container.id)
    }

    /// The container's cgroup statistics from the guest.
    public func stats(containerID: String) async throws -> ContainerStats {
        let (container, _) = try lookup(containerID, "")
        return try await agent().statsContainer(id: container.id)
    }
}
