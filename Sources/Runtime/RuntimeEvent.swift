/// What the container manager tells its owner as it happens, in order (the shim turns these
/// into containerd's TaskStart, TaskExecStarted, TaskExit and TaskOOM).
public enum RuntimeEvent: Sendable, Equatable {
    /// The process runs; reported before anything of its exit.
    case processStarted(containerID: String, execID: String)
    /// The process ended (reported once). A Wait on it returns only after this was reported.
    case processExited(containerID: String, execID: String, exit: ProcessExit)
    /// The guest's OOM killer killed a process of the container (containerd's TaskOOM); for an
    /// init process killed so, reported before its exit.
    case outOfMemory(containerID: String)
}

/// A process as the manager's callers see it: ids, stdio paths, state and exit.
public struct ProcessSnapshot: Sendable, Equatable {
    public let containerID: String
    /// Empty for a container's init process.
    public let execID: String
    public let bundle: String
    public let io: ProcessIO.Paths
    public let status: ProcessStatus
    /// Set once the process stopped.
    public let exit: ProcessExit?
}

/// What a Delete removed: the process as it was, and whether no container is left.
public struct ProcessDeletion: Sendable, Equatable {
    public let process: ProcessSnapshot
    /// The sandbox has no container any more (only ever true for an init process's Delete).
    public let lastContainer: Bool
}
