import Synchronization

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
