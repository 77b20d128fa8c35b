import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Drives the OCI runtime `crun` inside the guest. Container processes are started detached
/// (`create`, `exec -d`), so they are reparented to the agent, which reaps them and so learns
/// their exact exit status. crun's own diagnostics go to a log file, not to the container's
/// stderr pipe, and are quoted in the error when a command fails. Every command line puts
/// `--` before the container id, so no id can ever be read as an option.
public struct Crun: Sendable {
    public var binary: String
    public var stateRoot: String
    public let spawner: ProcessSpawner

    public init(binary: String = "/usr/bin/crun", stateRoot: String = "/run/crun", spawner: ProcessSpawner) {
        self.binary = binary
        self.stateRoot = stateRoot
        self.spawner = spawner
    }

    /// `crun create`: the container's init is created (waiting for `start`) with `stdio`;
    /// returns its pid.
    public func create(
        id: String, bundle: String, stdio: ProcessSpawner.Stdio, consoleSocket: String?,
        noPivot: Bool
    ) async throws -> Int32 {
        let pidFile = "\(bundle)/init.pid"
        var args = ["create", "--bundle", bundle, "--pid-file", pidFile]
        if noPivot { args.append("--no-pivot") }
        if let consoleSocket { args += ["--console-socket", consoleSocket] }
        try await run(args + ["--", id], for: id, stdio: stdio)
        return try readPid(pidFile)
    }

    public func start(id: String) async throws { try await run(["start", "--", id], for: id) }

    /// `crun exec -d` with a process.json; returns the new process's pid.
    public func exec(
        id: String, processFile: String, pidFile: String, stdio: ProcessSpawner.Stdio,
        consoleSocket: String?
    ) async throws -> Int32 {
        var args = ["exec", "-d", "--process", processFile, "--pid-file", pidFile]
        if let consoleSocket { args += ["--console-socket", consoleSocket] }
        try await run(args + ["--", id], for: id, stdio: stdio)
        return try readPid(pidFile)
    }

    public func kill(id: String, signal: Int32, all: Bool) async throws {
        try await run(["kill"] + (all ? ["--all"] : []) + ["--", id, String(signal)], for: id)
    }

    public func delete(id: String, force: Bool) async throws {
        try await run(["delete"] + (force ? ["--force"] : []) + ["--", id], for: id)
    }

    public func pause(id: String) async throws { try await run(["pause", "--", id], for: id) }
    public func resume(id: String) async throws { try await run(["resume", "--", id], for: id) }

    /// Runs one crun command to completion; a non-zero exit throws with crun's log.
    func run(_ args: [String], for id: String, stdio: ProcessSpawner.Stdio? = nil) async throws {
        try Identifier.validate(id, field: "container_id")
        try makeDirectories(stateRoot)
        let log = "\(stateRoot)/\(id).log"
        unlink(log)
        let devNull = open("/dev/null", O_RDWR | O_CLOEXEC)
        guard devNull >= 0 else { throw KataError.system("open /dev/null", errno: errno) }
        defer { close(devNull) }
        let io = stdio ?? .init(stdin: devNull, stdout: devNull, stderr: devNull)
        let argv = [binary, "--root", stateRoot, "--log", "file:\(log)"] + args
        let pid = try spawner.spawn(argv, environment: ["PATH=/usr/sbin:/usr/bin:/sbin:/bin"], stdio: io)
        let code = await spawner.reaper.exitCode(of: pid)
        guard code == 0 else {
            let detail = (try? readTextFile(log))?.trimmingTrailingNewlines() ?? ""
            throw KataError(.system, "crun \(args.first ?? "") \(id) exited \(code): \(detail)")
        }
    }

    func readPid(_ path: String) throws -> Int32 {
        let text = try readTextFile(path).trimmingTrailingNewlines()
        guard let pid = Int32(text), pid > 0 else {
            throw KataError(.malformedInput, "\(path): expected a pid, found \"\(text)\"")
        }
        return pid
    }
}

extension String {
    func trimmingTrailingNewlines() -> String {
        var s = Substring(self)
        while let last = s.last, last == "\n" || last == "\r" || last == " " { s = s.dropLast() }
        return String(s)
    }
}
