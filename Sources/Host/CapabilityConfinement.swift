import CCapNG
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Linux keeps capabilities per thread, and posix_spawn's child starts with the sets of the
/// thread that called it. `run(keeping:_:)` calls `body` on a new thread whose effective,
/// permitted, inheritable, ambient and bounding sets are first narrowed to `kept` (as far as
/// this process has them). A program spawned there keeps no more, even as root across execve:
/// root's exec gets back only what the bounding set allows. The thread is discarded after
/// `body`, since a dropped bounding capability cannot be regained.
public enum CapabilityConfinement {
    /// Runs `body` with the capabilities actually kept, and returns its result. Throws when
    /// the sets cannot be narrowed (dropping from the bounding set needs CAP_SETPCAP); a
    /// process that has no capabilities at all has nothing to narrow and is not an error.
    public static func run<T>(keeping kept: CapabilitySet, _ body: (CapabilitySet) throws -> T) throws -> T {
        var result: Result<T, any Error>?
        try onNewThread {
            result = Result {
                let applied = try narrowCurrentThread(to: kept)
                return try body(applied)
            }
        }
        guard let result else { throw KataError(.internal, "confined thread did not run") }
        return try result.get()
    }

    /// Narrows the calling thread's sets with libcap-ng (its state is per thread too) and
    /// checks the outcome in /proc/thread-self/status.
    private static func narrowCurrentThread(to kept: CapabilitySet) throws -> CapabilitySet {
        let before = try ProcessSecurityStatus.read(path: "/proc/thread-self/status")
        let applied = kept.intersection(before.permitted).intersection(before.bounding)
        if before.permitted.isEmpty && before.effective.isEmpty { return applied }
        capng_clear(CAPNG_SELECT_ALL)
        let sets = capng_type_t(
            rawValue: CAPNG_EFFECTIVE.rawValue | CAPNG_PERMITTED.rawValue | CAPNG_BOUNDING_SET.rawValue)
        for number in applied.numbers {
            guard capng_update(CAPNG_ADD, sets, UInt32(number)) == 0 else {
                throw KataError(.internal, "capng_update: capability \(number) refused")
            }
        }
        let rc = capng_apply(CAPNG_SELECT_ALL)
        let after = try ProcessSecurityStatus.read(path: "/proc/thread-self/status")
        let leftover = after.bounding.union(after.permitted).union(after.inheritable).union(after.ambient)
            .subtracting(applied)
        guard rc == 0, leftover.isEmpty else {
            throw KataError(
                .failedPrecondition,
                "cannot drop capabilities \(leftover) before starting a child (capng_apply: \(rc); "
                    + "narrowing the bounding set needs CAP_SETPCAP)")
        }
        return applied
    }

    /// Runs `work` on a new OS thread and waits for it to end.
    private static func onNewThread(_ work: () -> Void) throws {
        // Handed to exactly one thread, and released by it before pthread_join returns here.
        final class Job: @unchecked Sendable {
            let work: () -> Void
            init(_ work: @escaping () -> Void) { self.work = work }
        }
        try withoutActuallyEscaping(work) { work in
            let job = Unmanaged.passRetained(Job(work)).toOpaque()
            var thread = pthread_t()
            let rc = pthread_create(
                &thread, nil,
                { raw in
                    Unmanaged<Job>.fromOpaque(raw!).takeRetainedValue().work()
                    return nil
                }, job)
            guard rc == 0 else {
                Unmanaged<Job>.fromOpaque(job).release()
                throw KataError.system("pthread_create", errno: rc)
            }
            pthread_join(thread, nil)
        }
    }
}
