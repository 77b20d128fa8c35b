import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One process the agent started in a container (the init process or an exec): its pid, the
/// host-facing ends of its stdio, and its exit code once the reaper reports it.
///
/// Stdin is written without blocking (the descriptor is O_NONBLOCK): a process that does not
/// read its stdin makes WriteStdin wait in a task, never hold one of the agent's threads. When
/// the process exits its stdin and pty master are closed at once, before the exit is reported.
public final class ManagedProcess: Sendable {
    public let execID: String
    public let pid: Int32
    public let stdout: OutputBuffer
    /// nil with a terminal: the pty carries both streams on `stdout`.
    public let stderr: OutputBuffer?
    /// The write end of the stdin pipe (nil with a terminal: stdin goes to the pty master).
    private let stdinPipe: FileDescriptor?
    /// The pty master when the process has a terminal.
    private let terminal: FileDescriptor?
    /// CloseStdin was called (a pty has no half-close, so the master itself stays open).
    private let stdinClosed = Mutex(false)
    private let exited = OnceValue<Int32>()
    private let waited = Latch()

    /// The longest pause between two attempts to write to a full stdin.
    static let maxWritePause: Duration = .milliseconds(50)

    init(
        execID: String, pid: Int32, stdin: Int32?, stdout: OutputBuffer, stderr: OutputBuffer?,
        terminal: Int32?, reaper: ChildReaper
    ) {
        self.execID = execID
        self.pid = pid
        self.stdout = stdout
        self.stderr = stderr
        for fd in [stdin, terminal].compactMap({ $0 }) {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        self.stdinPipe = stdin.map(FileDescriptor.init(adopting:))
        self.terminal = terminal.map(FileDescriptor.init(adopting:))
        Task { [exited, stdinPipe = self.stdinPipe, terminal = self.terminal] in
            let code = await reaper.exitCode(of: pid)
            // Nothing reads stdin or needs the pty any more. (Output already read from the pty
            // stays readable: the output buffer drains its own duplicate of the master.)
            stdinPipe?.close()
            terminal?.close()
            exited.set(code)
        }
    }

    /// Waits for the process to exit; the exact code, 128 + n for signal n.
    public func waitForExit() async -> Int32 { await exited.value() }

    public var exitCode: Int32? { exited.current }

    /// Writes some of `bytes` to the process's stdin and returns how many (at least one unless
    /// `bytes` is empty): a short count when the pipe is full, as write(2) would. While the pipe
    /// has no room it waits, polling, until there is room, the process exits, stdin is closed
    /// or the call is cancelled.
    public func writeStdin(_ bytes: [UInt8]) async throws -> Int {
        guard !bytes.isEmpty else { return 0 }
        var pause = Duration.milliseconds(1)
        while true {
            if let written = try writeWithoutBlocking(bytes) { return written }
            try await Task.sleep(for: pause)
            pause = min(pause * 2, Self.maxWritePause)
        }
    }

    /// The count written, or nil when the pipe is full.
    private func writeWithoutBlocking(_ bytes: [UInt8]) throws -> Int? {
        let closed = KataError(.failedPrecondition, "process \(execID): stdin is closed")
        guard let target = stdinPipe ?? terminal, !stdinClosed.withLock({ $0 }) else { throw closed }
        let result = target.withRaw { fd -> (Int, Int32) in
            while true {
                let n = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                return (n, n < 0 ? errno : 0)
            }
        }
        guard let (count, error) = result else { throw closed }
        if count > 0 { return count }
        if error == EAGAIN || error == EWOULDBLOCK { return nil }
        // No reader left: the process exited (or closed its stdin) while the write waited.
        if error == EPIPE {
            throw KataError(
                .failedPrecondition, "process \(execID): its stdin has no reader (the process exited)")
        }
        throw KataError.system("process \(execID): write stdin", errno: error)
    }

    /// Closes stdin so the process reads EOF (for a terminal: sends the EOF character).
    public func closeStdin() {
        if let stdinPipe {
            stdinPipe.close()
            return
        }
        let first = stdinClosed.withLock { closed in
            defer { closed = true }
            return !closed
        }
        guard first, let terminal else { return }
        var eof: UInt8 = 4  // ^D: a pty has no half-close
        _ = terminal.withRaw { write($0, &eof, 1) }
    }

    public func resizeTerminal(rows: UInt16, columns: UInt16) throws {
        guard let terminal else {
            throw KataError(.failedPrecondition, "process \(execID) has no terminal to resize")
        }
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        guard let rc = terminal.withRaw({ ioctl($0, UInt(TIOCSWINSZ), &size) == 0 ? 0 : errno }) else {
            throw KataError(.failedPrecondition, "process \(execID) has exited: its terminal is closed")
        }
        guard rc == 0 else { throw KataError.system("process \(execID): resize terminal", errno: rc) }
    }

    /// Nobody will read this process's output again (its container is gone).
    func discardOutput() {
        stdout.discard()
        stderr?.discard()
        markWaited()
    }

    /// WaitProcess has handed the exit code to the host.
    public func markWaited() { waited.open() }

    /// The host has the exit code: it may delete this exec and reuse its id at once, before
    /// the record is released.
    var hasBeenWaited: Bool { waited.current != nil }

    /// Returns once nothing is left that the host could still ask of this process: WaitProcess
    /// returned its exit code and every byte of its output was handed out.
    func waitUntilReleasable() async {
        await waited.wait()
        await stdout.waitUntilSpent()
        await stderr?.waitUntilSpent()
    }
}
