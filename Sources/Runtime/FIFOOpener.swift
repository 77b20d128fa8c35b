import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A blocking open of a FIFO (it waits for the other end) on its own thread, which its owner
/// can abandon: `cancel()` opens the other end itself with O_RDWR | O_NONBLOCK (never blocks
/// on Linux), so the waiting open returns; its descriptor is then closed and `open` throws
/// `.cancelled`. The extra descriptor is kept until the thread is done, so a cancel that comes
/// before the thread reaches open(2) still cannot leave it blocked.
final class FIFOOpener: Sendable {
    private struct State {
        var cancelled = false
        var finished = false
        var unblocker: Int32?
    }
    private let state = Mutex(State())
    let path: String
    let flags: Int32

    init(path: String, flags: Int32) {
        self.path = path
        self.flags = flags
    }

    func open() async throws -> Int32 {
        let path = path, flags = flags
        return try await withCheckedThrowingContinuation {
            (continuation: CheckedContinuation<Int32, any Error>) in
            startDetachedThread { [self] in
                if state.withLock({ $0.cancelled }) {
                    finish()
                    continuation.resume(throwing: Self.cancelledError(path))
                    return
                }
                let fd = Glibc.open(path, flags | O_CLOEXEC)
                let code = errno
                let cancelled = finish()
                if cancelled {
                    if fd >= 0 { close(fd) }
                    continuation.resume(throwing: Self.cancelledError(path))
                } else if fd >= 0 {
                    continuation.resume(returning: fd)
                } else {
                    continuation.resume(throwing: KataError.system("open \(path)", errno: code))
                }
            }
        }
    }

    /// Ends a pending open (no effect once it has returned).
    func cancel() {
        state.withLock { state in
            guard !state.cancelled, !state.finished else { return }
            state.cancelled = true
            let fd = Glibc.open(path, O_RDWR | O_NONBLOCK | O_CLOEXEC)
            if fd >= 0 { state.unblocker = fd }
        }
    }

    /// Marks the open done; returns whether it was cancelled.
    @discardableResult
    private func finish() -> Bool {
        state.withLock { state in
            state.finished = true
            if let fd = state.unblocker { close(fd) }
            state.unblocker = nil
            return state.cancelled
        }
    }

    private static func cancelledError(_ path: String) -> KataError {
        KataError(.cancelled, "open \(path): abandoned (its process, container or sandbox is gone)")
    }
}
