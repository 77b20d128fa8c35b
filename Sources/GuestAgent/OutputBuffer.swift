import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Holds what a process wrote to one stream until the host reads it, so that nothing is lost
/// when the host reads late or the process exits first. A reader thread drains the pipe into
/// the buffer; past `limit` buffered bytes it stops reading, and the writer blocks on a full
/// pipe instead of losing data. `read` hands out bytes, then `nil` once the stream is at EOF
/// and empty.
public final class OutputBuffer: Sendable {
    private struct State {
        var bytes: [UInt8] = []
        var start = 0
        var closed = false
        /// The process's container is gone: nobody will read, so bytes are dropped as they come.
        var discarding = false
        var waiters: [CheckedContinuation<Void, Never>] = []
        var spentWaiters: [CheckedContinuation<Void, Never>] = []
        var buffered: Int { bytes.count - start }
        var isSpent: Bool { closed && buffered == 0 }
    }

    private let state = Mutex(State())
    private let drained = Semaphore()
    public let limit: Int

    public init(limit: Int = 4 << 20) { self.limit = limit }

    /// Reads `fd` on its own thread until EOF, then closes it. `fd` may be non-blocking (a pty
    /// master shares its flags with the stdin side, which must not block).
    public func startDraining(fd: Int32) {
        startDetachedThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                while state.withLock({ $0.buffered >= limit }) { drained.wait() }
                let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
                if n < 0 && errno == EINTR { continue }
                if n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK) {
                    var readable = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
                    _ = poll(&readable, 1, -1)
                    continue
                }
                if n <= 0 { break }
                append(chunk[0..<n])
            }
            close(fd)
            finish()
        }
    }

    func append(_ data: ArraySlice<UInt8>) {
        let waiting = state.withLock { state in
            if !state.discarding { state.bytes.append(contentsOf: data) }
            return state.waiters.removeAllReturning()
        }
        waiting.forEach { $0.resume() }
    }

    func finish() {
        let waiting = state.withLock { state in
            state.closed = true
            return state.waiters.removeAllReturning()
                + (state.isSpent ? state.spentWaiters.removeAllReturning() : [])
        }
        waiting.forEach { $0.resume() }
    }

    /// Drops what is buffered and everything still to come, so the draining thread never
    /// waits for a reader again and ends (closing its descriptor) at EOF.
    public func discard() {
        state.withLock { state in
            state.discarding = true
            state.bytes = []
            state.start = 0
        }
        drained.signal()
    }

    /// True once the stream has ended and every byte was handed out.
    public var isSpent: Bool { state.withLock { $0.isSpent } }

    /// Returns once the stream has ended and every byte was handed out.
    public func waitUntilSpent() async {
        await withCheckedContinuation { continuation in
            let spent = state.withLock { state -> Bool in
                if state.isSpent { return true }
                state.spentWaiters.append(continuation)
                return false
            }
            if spent { continuation.resume() }
        }
    }

    /// Up to `maxBytes` bytes, waiting for some if none are buffered; `nil` at EOF.
    public func read(maxBytes: Int) async -> [UInt8]? {
        while true {
            enum Step { case data([UInt8]), eof, wait }
            let (step, spent) = state.withLock { state -> (Step, [CheckedContinuation<Void, Never>]) in
                if state.buffered > 0 {
                    let end = state.start + min(maxBytes, state.buffered)
                    let out = Array(state.bytes[state.start..<end])
                    state.start = end
                    if state.start == state.bytes.count {
                        state.bytes.removeAll(keepingCapacity: true)
                        state.start = 0
                    } else if state.start > (1 << 20) {
                        state.bytes.removeFirst(state.start)
                        state.start = 0
                    }
                    return (.data(out), state.isSpent ? state.spentWaiters.removeAllReturning() : [])
                }
                return (state.closed ? .eof : .wait, [])
            }
            spent.forEach { $0.resume() }
            switch step {
            case .data(let out):
                drained.signal()
                return out
            case .eof:
                return nil
            case .wait:
                await withCheckedContinuation { continuation in
                    let ready = state.withLock { state -> Bool in
                        if state.buffered > 0 || state.closed { return true }
                        state.waiters.append(continuation)
                        return false
                    }
                    if ready { continuation.resume() }
                }
            }
        }
    }
}

extension Array {
    mutating func removeAllReturning() -> [Element] {
        let all = self
        removeAll()
        return all
    }
}
