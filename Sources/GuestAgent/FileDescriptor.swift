import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// A descriptor with one owner: closed exactly once, by `close()` or when the last reference
/// goes. Every use runs under its lock, so no use can see the number after it was closed (and
/// perhaps reused for another file by then).
public final class FileDescriptor: Sendable {
    private let raw: Mutex<Int32?>

    public init(adopting fd: Int32) { raw = Mutex(fd) }

    deinit { close() }

    /// `body`'s result while the descriptor is open, nil once it was closed. `body` must not
    /// block: it holds the lock.
    public func withRaw<R: Sendable>(_ body: (Int32) -> R) -> R? {
        raw.withLock { fd in fd.map(body) }
    }

    public var isOpen: Bool { raw.withLock { $0 != nil } }

    /// Closes the descriptor if it is still open; later calls do nothing.
    public func close() {
        let fd = raw.withLock { fd -> Int32? in
            defer { fd = nil }
            return fd
        }
        if let fd { _ = Glibc.close(fd) }
    }
}
