import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A counting semaphore for the agent's blocking threads (never used from async code).
final class Semaphore: @unchecked Sendable {  // sem_t is only touched through sem_* calls
    private let sem = UnsafeMutablePointer<sem_t>.allocate(capacity: 1)

    init(value: UInt32 = 0) { sem_init(sem, 0, value) }

    deinit {
        sem_destroy(sem)
        sem.deallocate()
    }

    func signal() { sem_post(sem) }

    func wait() {
        while sem_wait(sem) != 0 && errno == EINTR {}
    }
}
