import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// One process the agent started in a container (the init process or an exec): its pid, the
/// host-facing ends of its stdio, and its exit code once the reaper reports it.
public final class ManagedProcess: Sendable {
    public let execID: String
    public let pid: Int32
    public let stdout: OutputBuffer
    /// nil with a terminal: the pty carries both streams on `stdout`.
    public let stderr: OutputBuffer?
    /// The pty master when the process has a terminal.
    public let terminal: Int32?
    private let stdinFD: Mutex<Int32?>

    init(
        execID: String, pid: Int32, stdin: Int32?, stdout: OutputBuffer, stderr: OutputBuffer?,
        terminal: Int32?, reaper: ChildReaper
    ) {
        self.execID = execID
        self.pid = pid
        self.stdinFD = Mutex(stdin)
        self.stdout = stdout
        self.stderr = stderr
        self.terminal = terminal
        Task { [exited] in exited.set(await reaper.exitCode(of: pid)) }
    }

    private let exited = OnceValue<Int32>()

    /// Waits for the process to exit; the exact code, 128 + n for signal n.
    public func waitForExit() async -> Int32 { await exited.value() }

    public var exitCode: Int32? { exited.current }

    /// Writes all of `bytes` to the process's stdin; returns how many were written.
    public func writeStdin(_ bytes: [UInt8]) throws -> Int {
        guard let fd = stdinFD.withLock({ $0 }) else {
            throw KataError(.failedPrecondition, "process \(execID): stdin is closed")
        }
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw KataError.system("process \(execID): write stdin", errno: errno) }
            offset += n
        }
        return offset
    }

    /// Closes stdin so the process reads EOF (for a terminal: sends the EOF character).
    public func closeStdin() {
        let fd = stdinFD.withLock { fd -> Int32? in
            defer { fd = nil }
            return fd
        }
        guard let fd else { return }
        if fd == terminal {
            var eof: UInt8 = 4  // ^D: a pty has no half-close
            _ = write(fd, &eof, 1)
        } else {
            close(fd)
        }
    }

    public func resizeTerminal(rows: UInt16, columns: UInt16) throws {
        guard let terminal else {
            throw KataError(.failedPrecondition, "process \(execID) has no terminal to resize")
        }
        var size = winsize(ws_row: rows, ws_col: columns, ws_xpixel: 0, ws_ypixel: 0)
        guard ioctl(terminal, UInt(TIOCSWINSZ), &size) == 0 else {
            throw KataError.system("process \(execID): resize terminal", errno: errno)
        }
    }
}
