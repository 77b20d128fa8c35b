import Agent
import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Copies one process's stdio between containerd's FIFOs and the agent: stdout and stderr
/// from the agent to the FIFOs until the agent reports end of stream, stdin from its FIFO to
/// the agent until EOF (then the agent closes the process's stdin). Blocking FIFO work runs on
/// dedicated threads, never on the cooperative pool.
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
    private let stdinFD = Mutex<Int32?>(nil)

    public init(containerID: String, execID: String, paths: Paths, agent: any KataAgent) {
        self.containerID = containerID
        self.execID = execID
        self.paths = paths
        self.agent = agent
    }

    /// Starts the copies. Output starts flowing as soon as the process writes.
    public func start() {
        let outputs = [paths.stdout, paths.terminal ? "" : paths.stderr]
        let group = CountdownLatch(count: outputs.filter { !$0.isEmpty }.count) { [outputDone] in
            outputDone.open()
        }
        for (index, path) in outputs.enumerated() where !path.isEmpty {
            let isStdout = index == 0
            Task { [self] in
                await copyOutput(to: path, stdout: isStdout)
                group.countDown()
            }
        }
        if !paths.stdin.isEmpty { copyInput(from: paths.stdin) }
    }

    /// Returns once every byte of stdout and stderr reached containerd and the FIFOs are closed.
    public func waitForOutput() async { await outputDone.wait() }

    /// CloseIO: stop forwarding stdin and let the process see EOF.
    public func closeStdin() async {
        if let fd = stdinFD.withLock({ fd -> Int32? in
            defer { fd = nil }; return fd
        }) {
            close(fd)
        }
        try? await agent.closeStdin(containerID: containerID, execID: execID)
    }

    private func copyOutput(to path: String, stdout: Bool) async {
        guard let fd = try? await openOnThread(path, flags: O_WRONLY) else {
            // Nobody will read: still drain the agent so the process never blocks on output.
            while (try? await read(stdout: stdout)) ?? nil != nil {}
            return
        }
        defer { close(fd) }
        var writable = true
        while true {
            let chunk: [UInt8]?
            do { chunk = try await read(stdout: stdout) } catch { return }
            guard let chunk else { return }
            if writable { writable = await writeOnThread(fd, chunk) }
        }
    }

    private func read(stdout: Bool) async throws -> [UInt8]? {
        stdout
            ? try await agent.readStdout(containerID: containerID, execID: execID, maxBytes: 1 << 16)
            : try await agent.readStderr(containerID: containerID, execID: execID, maxBytes: 1 << 16)
    }

    private func copyInput(from path: String) {
        let agent = self.agent, containerID = self.containerID, execID = self.execID
        Task { [self] in
            guard let fd = try? await openOnThread(path, flags: O_RDONLY) else { return }
            stdinFD.withLock { $0 = fd }
            while true {
                let chunk = await readOnThread(fd)
                guard let chunk, !chunk.isEmpty else { break }
                var offset = 0
                while offset < chunk.count {
                    guard
                        let n = try? await agent.writeStdin(
                            containerID: containerID, execID: execID, data: Array(chunk[offset...])), n > 0
                    else { break }
                    offset += n
                }
            }
            if let fd = stdinFD.withLock({ fd -> Int32? in
                defer { fd = nil }; return fd
            }) {
                close(fd)
                try? await agent.closeStdin(containerID: containerID, execID: execID)
            }
        }
    }
}

/// Blocking open of a FIFO on its own thread (it waits for the other end).
func openOnThread(_ path: String, flags: Int32) async throws -> Int32 {
    try await withCheckedThrowingContinuation { continuation in
        startDetachedThread {
            let fd = open(path, flags | O_CLOEXEC)
            if fd >= 0 {
                continuation.resume(returning: fd)
            } else {
                continuation.resume(throwing: KataError.system("open \(path)", errno: errno))
            }
        }
    }
}

/// Writes all of `bytes`; false once the reader has gone (EPIPE) or writing fails.
func writeOnThread(_ fd: Int32, _ bytes: [UInt8]) async -> Bool {
    await withCheckedContinuation { continuation in
        startDetachedThread {
            var offset = 0
            while offset < bytes.count {
                let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n <= 0 { return continuation.resume(returning: false) }
                offset += n
            }
            continuation.resume(returning: true)
        }
    }
}

/// One read of up to 64 KiB; nil on error, empty at EOF.
func readOnThread(_ fd: Int32) async -> [UInt8]? {
    await withCheckedContinuation { continuation in
        startDetachedThread {
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            while true {
                let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                continuation.resume(returning: n < 0 ? nil : Array(buffer[0..<n]))
                return
            }
        }
    }
}
