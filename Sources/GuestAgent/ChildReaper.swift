import CKataSys
import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Collects the exit status of child processes and hands it to whoever awaits it.
///
/// As PID 1 the agent must reap every child, including orphans reparented to it, so it runs
/// one thread in `waitpid(-1)` (`.allChildren`). Anywhere else (host tests) a process must not
/// steal other code's children, so `.trackedOnly` waits on each spawned pid by itself.
/// An exit that arrives before anyone asks is kept, so a short-lived process is never missed.
public final class ChildReaper: Sendable {
    public enum Mode: Sendable { case allChildren, trackedOnly }

    private struct State {
        var unclaimed: [Int32: Int32] = [:]
        var unclaimedOrder: [Int32] = []
        var waiters: [Int32: [CheckedContinuation<Int32, Never>]] = [:]
    }

    /// Exits nobody asked for are kept up to this many (orphans of crun, for example).
    private static let unclaimedLimit = 4096
    private let state = Mutex(State())
    private let childAppeared = Semaphore()
    public let mode: Mode

    public init(mode: Mode) {
        self.mode = mode
        if mode == .allChildren {
            startDetachedThread { [self] in reapForever() }
        }
    }

    /// Call after spawning `pid`.
    func track(_ pid: Int32) {
        switch mode {
        case .allChildren:
            childAppeared.signal()
        case .trackedOnly:
            startDetachedThread { [self] in
                var status: Int32 = 0
                while waitpid(pid, &status, 0) < 0 && errno == EINTR {}
                record(pid: pid, exitCode: ckata_exit_code(status))
            }
        }
    }

    /// The exit code of `pid` (128 + n for a death by signal n), once it has exited.
    public func exitCode(of pid: Int32) async -> Int32 {
        await withCheckedContinuation { continuation in
            let ready: Int32? = state.withLock { state in
                if let code = state.unclaimed.removeValue(forKey: pid) {
                    state.unclaimedOrder.removeAll { $0 == pid }
                    return code
                }
                state.waiters[pid, default: []].append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }

    private func reapForever() {
        while true {
            var status: Int32 = 0
            let pid = ckata_wait_any(&status)
            if pid > 0 {
                record(pid: pid, exitCode: ckata_exit_code(status))
            } else {
                childAppeared.wait()  // -ECHILD: nothing to reap until something is spawned
            }
        }
    }

    private func record(pid: Int32, exitCode: Int32) {
        let waiting = state.withLock { state -> [CheckedContinuation<Int32, Never>] in
            if let waiting = state.waiters.removeValue(forKey: pid) { return waiting }
            state.unclaimed[pid] = exitCode
            state.unclaimedOrder.append(pid)
            if state.unclaimedOrder.count > Self.unclaimedLimit {
                state.unclaimed.removeValue(forKey: state.unclaimedOrder.removeFirst())
            }
            return []
        }
        for continuation in waiting { continuation.resume(returning: exitCode) }
    }
}
