import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The containers of this guest and their processes. The OCI configuration arrives as
/// runtime-spec JSON; crun does the rest.
public actor ContainerRegistry {
    public enum Status: String, Sendable { case created, running, paused, stopped }

    struct Container {
        let id: String
        let bundle: String
        let initProcess: ManagedProcess
        var execs: [String: ManagedProcess] = [:]
        var status: Status
    }

    private var containers: [String: Container] = [:]
    /// Ids whose create is in progress (the actor is re-entered while crun runs).
    private var creating: Set<String> = []
    /// Execs whose crun exec is in progress.
    private var starting: Set<ExecKey> = []
    private var consoleSockets: UInt64 = 0
    public let crun: Crun
    /// Where bundles and console sockets live.
    public let stateDirectory: String
    /// crun must not pivot_root out of an initramfs root.
    public let noPivot: Bool

    public init(crun: Crun, stateDirectory: String = "/run/kata-containers", noPivot: Bool = true) {
        self.crun = crun
        self.stateDirectory = stateDirectory
        self.noPivot = noPivot
    }

    public var ids: [String] { containers.keys.sorted() }

    /// Writes the bundle and runs `crun create`; the init process waits for `start`.
    public func create(id: String, configJSON: [UInt8], terminal: Bool) async throws {
        try Identifier.validate(id, field: "container_id")
        guard !contains(id) else { throw KataError(.failedPrecondition, "container \(id) already exists") }
        let bundle = "\(stateDirectory)/\(id)"
        creating.insert(id)
        defer { creating.remove(id) }
        do {
            try makeDirectories(bundle)
            try writeFile("\(bundle)/config.json", configJSON)
            let crun = self.crun, noPivot = self.noPivot
            let process = try await launch(execID: "", console: nextConsolePath(), terminal: terminal) {
                stdio, console in
                try await crun.create(
                    id: id, bundle: bundle, stdio: stdio, consoleSocket: console, noPivot: noPivot)
            }
            containers[id] = Container(id: id, bundle: bundle, initProcess: process, status: .created)
        } catch {
            removeTree(bundle)
            throw error
        }
    }

    /// True while a container of that id exists or is being created.
    public func contains(_ id: String) -> Bool { containers[id] != nil || creating.contains(id) }

    public func start(id: String) async throws {
        let container = try lookup(id)
        guard container.status == .created else {
            throw KataError(
                .failedPrecondition, "container \(id) is \(container.status.rawValue), not created")
        }
        try await crun.start(id: id)
        containers[id]?.status = .running
    }

    /// Runs another process in a running container from a runtime-spec `process` JSON.
    /// The exec's record is dropped once the host has its exit code and all of its output.
    public func exec(id: String, execID: String, processJSON: [UInt8], terminal: Bool) async throws {
        try Identifier.validate(id, field: "container_id")
        try Identifier.validate(execID, field: "exec_id")
        var container = try lookup(id)
        let key = ExecKey(container: id, exec: execID)
        if let previous = container.execs[execID], previous.hasBeenWaited {
            // The host deleted that exec (it had the exit code) and reuses the id, as containerd
            // may: what is left of the old record is its unread output, which nobody can ask for.
            previous.discardOutput()
            containers[id]?.execs[execID] = nil
            container = try lookup(id)
        }
        guard container.execs[execID] == nil, !starting.contains(key) else {
            throw KataError(.failedPrecondition, "container \(id): exec id \"\(execID)\" is in use")
        }
        starting.insert(key)
        defer { starting.remove(key) }
        let processFile = "\(container.bundle)/exec-\(execID).json"
        let pidFile = "\(container.bundle)/exec-\(execID).pid"
        // crun has read both files once it returns: they must not pile up, one pair an exec.
        defer {
            unlink(processFile)
            unlink(pidFile)
        }
        try writeFile(processFile, processJSON)
        let crun = self.crun
        let process = try await launch(
            execID: execID, console: nextConsolePath(), terminal: terminal
        ) { stdio, console in
            try await crun.exec(
                id: id, processFile: processFile, pidFile: pidFile, stdio: stdio, consoleSocket: console)
        }
        guard containers[id] != nil else {
            // Removed while crun ran: that removal killed the process; nobody will read it.
            process.discardOutput()
            throw KataError(.notFound, "container \(id) was removed while exec \(execID) started")
        }
        containers[id]?.execs[execID] = process
        Task {
            await process.waitUntilReleasable()
            forget(execID, of: id, process)
        }
    }

    /// A console socket path that fits sockaddr_un (108 bytes) whatever the ids' lengths: a
    /// bundle path holding a 76-character container id and exec id would not.
    private func nextConsolePath() -> String {
        consoleSockets += 1
        return "\(stateDirectory)/tty-\(consoleSockets).sock"
    }

    private struct ExecKey: Hashable {
        let container: String
        let exec: String
    }

    private func forget(_ execID: String, of id: String, _ process: ManagedProcess) {
        if containers[id]?.execs[execID] === process { containers[id]?.execs[execID] = nil }
    }

    /// How many exec records all containers hold (processes not yet waited for or read out).
    public var execRecordCount: Int { containers.values.reduce(0) { $0 + $1.execs.count } }

    /// The init process for an empty `execID`, else that exec.
    public func process(id: String, execID: String) throws -> ManagedProcess {
        let container = try lookup(id)
        if execID.isEmpty { return container.initProcess }
        guard let process = container.execs[execID] else {
            throw KataError(.notFound, "container \(id) has no process \"\(execID)\"")
        }
        return process
    }

    public func signal(id: String, execID: String, signal: Int32) throws {
        let process = try process(id: id, execID: execID)
        guard process.exitCode == nil else { return }
        if kill(process.pid, signal) != 0 && errno != ESRCH {
            throw KataError.system("container \(id): signal \(signal) to pid \(process.pid)", errno: errno)
        }
    }

    public func pause(id: String) async throws {
        _ = try lookup(id)
        try await crun.pause(id: id)
        containers[id]?.status = .paused
    }

    public func resume(id: String) async throws {
        _ = try lookup(id)
        try await crun.resume(id: id)
        containers[id]?.status = .running
    }

    /// Kills what still runs, deletes the crun state and the bundle.
    public func remove(id: String) async throws {
        let container = try lookup(id)
        if container.initProcess.exitCode == nil {
            kill(container.initProcess.pid, SIGKILL)
            _ = await container.initProcess.waitForExit()
        }
        try await crun.delete(id: id, force: true)
        removeTree(container.bundle)
        // The processes are dead or dying (delete --force kills the container's cgroup); their
        // output has no reader any more, and a full buffer must not keep its pipe open.
        let removed = containers.removeValue(forKey: id) ?? container
        ([removed.initProcess] + removed.execs.values).forEach { $0.discardOutput() }
    }

    public func status(id: String) throws -> Status {
        let container = try lookup(id)
        return container.initProcess.exitCode == nil ? container.status : .stopped
    }

    private func lookup(_ id: String) throws -> Container {
        guard let container = containers[id] else { throw KataError(.notFound, "no container \(id)") }
        return container
    }
}
