import CKataSys
import Host
import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// How a child process ended.
public enum ExitStatus: Sendable, Equatable, CustomStringConvertible {
    case exited(Int32)
    case signaled(Int32)

    init(waitStatus status: Int32) {
        // The <sys/wait.h> macros, which Swift cannot import.
        let signal = status & 0x7f
        self = signal == 0 ? .exited((status >> 8) & 0xff) : .signaled(signal)
    }

    public var description: String {
        switch self {
        case .exited(let code): "exit status \(code)"
        case .signaled(let signal): "killed by signal \(signal)"
        }
    }
}

/// A process started with posix_spawn (no shell), stdin from /dev/null and stdout+stderr into a
/// file, with no capabilities but the ones it is given. A polling task reaps it, so its exit is
/// noticed within `pollInterval` without blocking a thread, and it is reaped exactly once.
final class ChildProcess: Sendable {
    static let pollInterval: Duration = .milliseconds(50)

    let pid: pid_t
    /// The capabilities the process started with: those asked for that this process has.
    let capabilities: CapabilitySet
    private let state = Mutex<(status: ExitStatus?, waiters: [CheckedContinuation<ExitStatus, Never>])>(
        (nil, []))

    /// Where the first passed descriptor appears in the child.
    static let firstPassedDescriptor: Int32 = 3

    /// `passing` descriptors appear in the child at 3, 4, ... (and nothing else above 2).
    init(
        executable: String, arguments: [String], outputPath: String, keeping capabilities: CapabilitySet,
        passing descriptors: [Int32] = []
    ) throws {
        // dup2 onto 3... could overwrite a source not yet moved: move them all above the
        // targets first (close-on-exec copies, closed again below).
        var sources: [Int32] = []
        defer { sources.forEach { close($0) } }
        for descriptor in descriptors {
            let copy = fcntl(
                descriptor, F_DUPFD_CLOEXEC, Self.firstPassedDescriptor + Int32(descriptors.count) + 64)
            guard copy >= 0 else {
                throw KataError.system("passing descriptor \(descriptor) to \(executable)", errno: errno)
            }
            sources.append(copy)
        }
        var fileActions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&fileActions)
        defer { posix_spawn_file_actions_destroy(&fileActions) }
        posix_spawn_file_actions_addopen(&fileActions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&fileActions, 1, outputPath, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
        posix_spawn_file_actions_adddup2(&fileActions, 1, 2)
        // QEMU must not hold the runtime's sockets (containerd's connection, listeners): a
        // leaked one keeps a dead shim looking alive.
        for (index, source) in sources.enumerated() {
            posix_spawn_file_actions_adddup2(&fileActions, source, Self.firstPassedDescriptor + Int32(index))
        }
        _ = ckata_spawn_actions_closefrom(&fileActions, Self.firstPassedDescriptor + Int32(sources.count))

        // The child starts with no blocked signals and default dispositions, whatever this
        // process (NIO ignores SIGPIPE) has set.
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var noSignals = sigset_t()
        sigemptyset(&noSignals)
        posix_spawnattr_setsigmask(&attributes, &noSignals)
        var defaultSignals = sigset_t()
        sigemptyset(&defaultSignals)
        for signal in [SIGPIPE, SIGINT, SIGTERM, SIGHUP] { sigaddset(&defaultSignals, signal) }
        posix_spawnattr_setsigdefault(&attributes, &defaultSignals)
        posix_spawnattr_setflags(&attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { argv.forEach { free($0) } }
        var pid: pid_t = 0
        // The child inherits the spawning thread's capability sets, bounding set included.
        self.capabilities = try CapabilityConfinement.run(keeping: capabilities) { kept in
            let result = posix_spawn(&pid, executable, &fileActions, &attributes, argv, environ)
            guard result == 0 else { throw KataError.system("posix_spawn \(executable)", errno: result) }
            return kept
        }
        self.pid = pid
        Task.detached { [self] in await monitor() }
    }

    /// The exit status once the process has been reaped.
    var exitStatus: ExitStatus? { state.withLock { $0.status } }

    func waitForExit() async -> ExitStatus {
        await withCheckedContinuation { continuation in
            let status = state.withLock { state -> ExitStatus? in
                if let status = state.status { return status }
                state.waiters.append(continuation)
                return nil
            }
            if let status { continuation.resume(returning: status) }
        }
    }

    /// Waits at most `timeout`; nil if the process is still running then.
    func waitForExit(timeout: Duration) async -> ExitStatus? {
        let deadline = ContinuousClock.now + timeout
        while ContinuousClock.now < deadline {
            if let status = exitStatus { return status }
            try? await Task.sleep(for: Self.pollInterval)
        }
        return exitStatus
    }

    /// Sends `signal` unless the process was already reaped (its pid may then belong to another).
    func send(_ signal: Int32) {
        state.withLock { state in
            if state.status == nil { _ = kill(pid, signal) }
        }
    }

    private func monitor() async {
        while true {
            var status: Int32 = 0
            // Holding the lock while reaping keeps `send` from signalling a recycled pid.
            let exited = state.withLock { state -> (ExitStatus, [CheckedContinuation<ExitStatus, Never>])? in
                let result = waitpid(pid, &status, WNOHANG)
                guard result == pid || (result < 0 && errno == ECHILD) else { return nil }
                let exitStatus = result == pid ? ExitStatus(waitStatus: status) : .exited(-1)
                state.status = exitStatus
                defer { state.waiters.removeAll() }
                return (exitStatus, state.waiters)
            }
            if let (exitStatus, waiters) = exited {
                waiters.forEach { $0.resume(returning: exitStatus) }
                return
            }
            try? await Task.sleep(for: Self.pollInterval)
        }
    }
}
