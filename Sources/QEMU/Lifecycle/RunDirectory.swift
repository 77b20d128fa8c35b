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

    /// Removes the directory and everything in it; errors are returned, not thrown, because
    /// cleanup must go on.
    func remove() -> KataError? {
        Self.removeTree(path)
    }

    private static func removeTree(_ path: String) -> KataError? {
        var info = stat()
        guard lstat(path, &info) == 0 else {
            return errno == ENOENT ? nil : .system("lstat \(path)", errno: errno)
        }
        if info.st_mode & S_IFMT == S_IFDIR {
            guard let directory = opendir(path) else { return .system("opendir \(path)", errno: errno) }
            var names: [String] = []
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { names.append(name) }
            }
            closedir(directory)
            var firstError: KataError?
            for name in names {
                if let error = removeTree(path + "/" + name), firstError == nil { firstError = error }
            }
            if rmdir(path) != 0, firstError == nil { firstError = .system("rmdir \(path)", errno: errno) }
            return firstError
        }
        return unlink(path) == 0 ? nil : .system("unlink \(path)", errno: errno)
    }
}
