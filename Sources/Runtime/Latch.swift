import Synchronization

/// A gate that opens once; any number of tasks can wait for it.
public final class Latch: Sendable {
    private struct State {
        var isOpen = false
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    public func open() {
        let waiters = state.withLock { state in
            state.isOpen = true
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    public func wait() async {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Bool in
                if state.isOpen { return true }
                state.waiters.append(continuation)
                return false
            }
            if ready { continuation.resume() }
        }
    }
}

/// Runs `done` once `countDown` was called `count` times (immediately for zero).
final class CountdownLatch: Sendable {
    private let remaining: Mutex<Int>
    private let done: @Sendable () -> Void

    init(count: Int, done: @escaping @Sendable () -> Void) {
        remaining = Mutex(count)
        self.done = done
        if count == 0 { done() }
    }

    func countDown() {
        let last = remaining.withLock { count -> Bool in
            count -= 1
            return count == 0
        }
        if last { done() }
    }
}
