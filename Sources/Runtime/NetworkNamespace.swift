import CKataSys
import KataCore
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Runs `body` on a new OS thread that has joined the network namespace at `path` (setns
/// affects only the calling thread, so nothing else of this process changes namespace; the
/// thread ends with the body). Sockets and tap devices the body opens stay in that namespace.
func inNetworkNamespace<T: Sendable>(_ path: String, _ body: @escaping @Sendable () throws -> T) async throws
    -> T
{
    try await withCheckedThrowingContinuation { continuation in
        startDetachedThread {
            continuation.resume(with: Result { try joinNetworkNamespace(path, body) })
        }
    }
}

/// The same for callers outside async code (the clean-up after a crashed shim): waits for the
/// thread.
func inNetworkNamespaceWaiting<T: Sendable>(_ path: String, _ body: @escaping @Sendable () throws -> T) throws
    -> T
{
    let result = Mutex<Result<T, any Error>?>(nil)
    let done = Mutex(false)
    startDetachedThread {
        let outcome = Result { try joinNetworkNamespace(path, body) }
        result.withLock { $0 = outcome }
        done.withLock { $0 = true }
    }
    // A few netlink round trips: poll briefly rather than bring in a condition variable.
    while !done.withLock({ $0 }) { usleep(1000) }
    return try result.withLock { $0! }.get()
}

private func joinNetworkNamespace<T>(_ path: String, _ body: () throws -> T) throws -> T {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { throw KataError.system("network namespace \(path)", errno: errno) }
    defer { close(fd) }
    let joined = ckata_setns_net(fd)
    guard joined == 0 else {
        // EINVAL: the file is not a network namespace.
        throw KataError.system("setns \(path) (not a network namespace?)", errno: -joined)
    }
    return try body()
}
