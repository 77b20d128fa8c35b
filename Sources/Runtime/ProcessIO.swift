import Agent
import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Copies one process's stdio between containerd's FIFOs and the agent: stdout and stderr
/// from the agent to the FIFOs until the agent reports end of stream, stdin from its FIFO to
/// the agent until EOF or CloseIO (then the agent closes the process's stdin). Blocking FIFO
/// work runs on dedicated threads, never on the cooperative pool. Nothing here waits forever:
/// a FIFO open is abandoned by `cancel()` (the process, container or sandbox is gone) or, for
/// output, a grace period after the process exited; agent calls end when the agent connection
/// closes.
public final class ProcessIO: Sendable {
    public struct Paths: Sendable, Equatable {
        public var stdin: String
        public var stdout: String
        public var stderr: String
        public var terminal: Bool
        public init(stdin: String, stdout: String, stderr: String, terminal: Bool) {
            self.stdin = stdin
            self.stdout = stdout
            self.stderr = stderr
            self.terminal = terminal
        }
    }

    let containerID: String
    let execID: String
    let paths: Paths
    let agent: any KataAgent
    private let outputDone = Latch()
    private let outputOpeners: [FIFOOpener]
    private let stdin: StdinCopy?
    private let outputEnd = Mutex(OutputEnd())

    /// When output nobody reads may be dropped: once the relay is cancelled, or once the
    /// process exited and a write made no progress for `exitedStallLimit`.
    struct OutputEnd {
        var cancelled = false
        var exited = false
    }
    static let exitedStallLimit = Duration.seconds(2)

    public init(containerID: String, execID: String, paths: Paths, agent: any KataAgent) {
        self.containerID = containerID
        self.execID = execID
        self.paths = paths
        self.agent = agent
        outputOpeners = [paths.stdout, paths.terminal ? "" : paths.stderr].map {
            FIFOOpener(path: $0, flags: O_WRONLY)
        }
        stdin =
            paths.stdin.isEmpty
            ? nil : StdinCopy(path: paths.stdin, agent: agent, containerID: containerID, execID: execID)
    }

    /// Starts the copies. Output starts flowing as soon as the process writes.
    public func start() {
        let active = outputOpeners.enumerated().filter { !$0.element.path.isEmpty }
        let group = CountdownLatch(count: active.count) { [outputDone] in outputDone.open() }
        for (index, opener) in active {
            Task { [self] in
                await copyOutput(opener, stdout: index == 0)
                group.countDown()
            }
        }
        stdin?.start()
        if stdin == nil && !paths.terminal {
            // No stdin from containerd: the process reads EOF at once, as under runc's /dev/null.
            Task { await closeStdin() }
        }
    }

    /// Returns once every byte of stdout and stderr reached containerd and the FIFOs are closed.
    /// Called after the process exited: an output FIFO that nobody opened within `openGrace` is
    /// abandoned (its output is drained from the agent and dropped).
    public func waitForOutput(openGrace: Duration = .seconds(2)) async {
        outputEnd.withLock { $0.exited = true }
        let openers = outputOpeners
        let abandon = Task {
            try? await Task.sleep(for: openGrace)
            if !Task.isCancelled { openers.forEach { $0.cancel() } }
        }
        await outputDone.wait()
        abandon.cancel()
    }

    /// CloseIO: forward what was written to stdin before, then let the process see EOF.
    public func closeStdin() async {
        guard let stdin else {
            try? await agent.closeStdin(containerID: containerID, execID: execID)
            return
        }
        await stdin.close()
    }

    /// The process, its container or the sandbox is gone: abandon FIFO opens still waiting and
    /// stop reading stdin. (Agent calls in flight end when the agent connection closes.)
    public func cancel() {
        outputEnd.withLock { $0.cancelled = true }
        outputOpeners.forEach { $0.cancel() }
        stdin?.cancel()
    }

    private func copyOutput(_ opener: FIFOOpener, stdout: Bool) async {
        guard let fd = try? await opener.open() else {
            // Nobody will read: still drain the agent so the process never blocks on output.
            while (try? await read(stdout: stdout)) ?? nil != nil {}
            return
        }
        // Our own reader on the FIFO, as runc's shim keeps one: a client that goes away leaves
        // the output in the FIFO for the next one to attach, instead of EPIPE losing it.
        let keeper = Glibc.open(opener.path, O_RDONLY | O_NONBLOCK | O_CLOEXEC)
        defer {
            if keeper >= 0 { close(keeper) }
            close(fd)
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        var writable = true
        while true {
            let chunk: [UInt8]?
            do { chunk = try await read(stdout: stdout) } catch { return }
            guard let chunk else { return }
            if writable {
                writable = await writeOnThread(fd, chunk) { [self] in
                    outputEnd.withLock { $0.cancelled ? .zero : $0.exited ? Self.exitedStallLimit : nil }
                }
            }
        }
    }

    private func read(stdout: Bool) async throws -> [UInt8]? {
        stdout
            ? try await agent.readStdout(containerID: containerID, execID: execID, maxBytes: 1 << 16)
            : try await agent.readStderr(containerID: containerID, execID: execID, maxBytes: 1 << 16)
    }
}

/// Writes all of `bytes` to a non-blocking FIFO; false once the reader has gone (EPIPE),
/// writing fails, or the FIFO stayed full for longer than `stallLimit()` allows (nil: wait as
/// long as it takes; asked again every 200 ms, so a limit can begin while a write waits).
func writeOnThread(_ fd: Int32, _ bytes: [UInt8], stallLimit: @escaping @Sendable () -> Duration?) async
    -> Bool
{
    await withCheckedContinuation { continuation in
        startDetachedThread {
            var offset = 0
            var stalled = Duration.zero
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && errno == EAGAIN {
                    if let limit = stallLimit(), stalled >= limit {
                        return continuation.resume(returning: false)
                    }
                    var pending = pollfd(fd: fd, events: Int16(POLLOUT), revents: 0)
                    if poll(&pending, 1, 200) == 0 { stalled += .milliseconds(200) }
                    continue
                }
                if n <= 0 { return continuation.resume(returning: false) }
                offset += n
                stalled = .zero
            }
            continuation.resume(returning: true)
        }
    }
}
