import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The per-VM directory holding QEMU's sockets, pid file and logs. Created fresh (an existing
/// path is refused, so we never delete what is not ours) and removed with its contents.
struct RunDirectory: Sendable {
    /// `sun_path` is 108 bytes including the terminating NUL.
    static let maximumSocketPathLength = 107

    let path: String

    init(creating path: String) throws {
        guard path.hasPrefix("/") else {
            throw KataError(.invalidArgument, "QEMU run directory \(path): must be an absolute path")
        }
        self.path = path
        guard (path + "/qmp.sock").utf8.count <= Self.maximumSocketPathLength else {
            throw KataError(
                .invalidArgument,
                "QEMU run directory \(path): too long for unix socket paths (max \(Self.maximumSocketPathLength) bytes)"
            )
        }
        guard mkdir(path, 0o700) == 0 else {
            throw KataError.system("QEMU run directory \(path): mkdir", errno: errno)
        }
    }

    func file(_ name: String) -> String { path + "/" + name }

    /// Removes the directory and everything in it (never following a symlink or entering a
    /// mount); errors are returned, not thrown, because cleanup must go on.
    func remove() -> KataError? {
        if removeTree(path) { return nil }
        return KataError(.system, "QEMU run directory \(path): could not be removed entirely")
    }
}
