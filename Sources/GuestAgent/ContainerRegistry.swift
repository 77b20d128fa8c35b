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
        guard containers[id] == nil else {
            throw KataError(.failedPrecondition, "container \(id) already exists")
        }
        try validate(id: id)
        let bundle = "\(stateDirectory)/\(id)"
        try makeDirectories(bundle)
        try writeFile("\(bundle)/config.json", configJSON)
        let crun = self.crun, noPivot = self.noPivot
        let process = try await launch(execID: "", console: "\(bundle)/console.sock", terminal: terminal) {
            stdio, console in
            try await crun.create(
                id: id, bundle: bundle, stdio: stdio, consoleSocket: console, noPivot: noPivot)
        }
        containers[id] = Container(id: id, bundle: bundle, initProcess: process, status: .created)
    }

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
    public func exec(id: String, execID: String, processJSON: [UInt8], terminal: Bool) async throws {
        let container = try lookup(id)
        guard !execID.isEmpty, container.execs[execID] == nil else {
            throw KataError(.failedPrecondition, "container \(id): exec id \"\(execID)\" is empty or in use")
        }
        try validate(id: execID)
        let processFile = "\(container.bundle)/exec-\(execID).json"
        try writeFile(processFile, processJSON)
        let crun = self.crun
        let process = try await launch(
            execID: execID, console: "\(container.bundle)/exec-\(execID).sock", terminal: terminal
        ) { stdio, console in
            try await crun.exec(
                id: id, processFile: processFile, pidFile: "\(container.bundle)/exec-\(execID).pid",
                stdio: stdio, consoleSocket: console)
        }
        containers[id]?.execs[execID] = process
    }

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
        containers[id] = nil
    }

    public func status(id: String) throws -> Status {
        let container = try lookup(id)
        return container.initProcess.exitCode == nil ? container.status : .stopped
    }

    private func lookup(_ id: String) throws -> Container {
        guard let container = containers[id] else { throw KataError(.notFound, "no container \(id)") }
        return container
    }

    /// Ids become file names: no separators, no dot names.
    private func validate(id: String) throws {
        guard !id.isEmpty, !id.contains("/"), id != ".", id != "..", id.utf8.count <= 128 else {
            throw KataError(.invalidArgument, "invalid id \"\(id)\"")
        }
    }
}
