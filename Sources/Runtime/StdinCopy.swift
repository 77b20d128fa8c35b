import Agent
import CKataSys
import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The stdin half of a process's IO: reads its FIFO and hands every byte to the agent. CloseIO
/// (`close()`) does not cut the copy short: it wakes the reader through a pipe, the reader
/// takes what is still buffered in the FIFO without waiting for more, delivers it, and only
/// then is the process's stdin closed in the guest. So nothing written before CloseIO is lost.
/// The FIFO is opened read-write, as runc's shim holds it: a client that closes its end (or
/// dies) and a client that re-attaches later write into one stream; only CloseIO ends it.
/// Opened read-write, a FIFO's open never waits for a writer, so no cancellable open is needed.
final class StdinCopy: Sendable {
    let agent: any KataAgent
    let containerID: String
    let execID: String
    let path: String
    /// The pipe that asks the reader to finish; nil once the copy has ended.
    private let wake: Mutex<(read: Int32, write: Int32)?>
    private let done = Latch()

    init(path: String, agent: any KataAgent, containerID: String, execID: String) {
        self.agent = agent
        self.containerID = containerID
        self.execID = execID
        self.path = path
        var fds: [Int32] = [-1, -1]
        let ok = ckata_pipe_cloexec(&fds) == 0
        // A full wake pipe must never block the caller: one byte in it is enough.
        if ok { _ = fcntl(fds[1], F_SETFL, O_NONBLOCK) }
        wake = Mutex(ok ? (fds[0], fds[1]) : nil)
    }

    func start() {
        Task { [self] in
            await copy()
            let pipe = wake.withLock { pipe in
                defer { pipe = nil }
                return pipe
            }
            if let pipe {
                Glibc.close(pipe.read)
                Glibc.close(pipe.write)
            }
            try? await agent.closeStdin(containerID: containerID, execID: execID)
            done.open()
        }
    }

    /// CloseIO: returns once what was written before it reached the agent and stdin is closed.
    func close() async {
        requestEnd()
        await done.wait()
    }

    /// Teardown: stop as soon as possible.
    func cancel() { requestEnd() }

    private func requestEnd() {
        wake.withLock { pipe in
            guard let pipe else { return }
            var byte: UInt8 = 1
            _ = write(pipe.write, &byte, 1)
        }
    }

    private func copy() async {
        let fd = Glibc.open(path, O_RDWR | O_CLOEXEC)
        guard fd >= 0 else { return }
        defer { Glibc.close(fd) }
        guard let wakeFD = wake.withLock({ $0?.read }) else { return }
        while let chunk = await Self.readChunk(fd, wake: wakeFD), !chunk.isEmpty {
            var offset = 0
            while offset < chunk.count {
                guard
                    let taken = try? await agent.writeStdin(
                        containerID: containerID, execID: execID, data: Array(chunk[offset...])),
                    taken > 0
                else { return }
                // The agent's count is a wire value: never step past the chunk.
                offset += min(taken, chunk.count - offset)
            }
        }
    }

    /// One read of up to 64 KiB on its own thread: data, empty at EOF (or once an end was
    /// requested and nothing more is buffered), nil on error.
    static func readChunk(_ fd: Int32, wake: Int32) async -> [UInt8]? {
        await withCheckedContinuation { continuation in
            startDetachedThread {
                continuation.resume(returning: readChunkBlocking(fd, wake: wake))
            }
        }
    }

    static func readChunkBlocking(_ fd: Int32, wake: Int32) -> [UInt8]? {
        var fds = [
            pollfd(fd: fd, events: Int16(POLLIN), revents: 0),
            pollfd(fd: wake, events: Int16(POLLIN), revents: 0),
        ]
        while poll(&fds, 2, -1) < 0 {
            guard errno == EINTR else { return nil }
        }
        if fds[0].revents == 0 {
            // Only the wake pipe: from now on never wait for the writer again.
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
        }
        var buffer = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = buffer.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            if n < 0 && errno == EINTR { continue }
            if n < 0 && errno == EAGAIN { return [] }
            return n < 0 ? nil : Array(buffer[0..<n])
        }
    }
}
