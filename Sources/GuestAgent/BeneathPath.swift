import CKataSys
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Paths inside a tree the host can write (the shared filesystem, /run/kata-containers): each
/// component is opened with openat2(RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS) from its parent's
/// descriptor, so a symlink or ".." planted anywhere below the root cannot lead out of it, and
/// the caller acts on the descriptor it got, never on the path again.
public enum BeneathPath {
    /// The components of the absolute `path` below `root` (at least one). Pure: refuses NUL
    /// bytes, relative paths, paths not under `root`, and "." or ".." components.
    public static func components(of path: String, below root: String, field: String) throws -> [String] {
        func refuse(_ reason: String) -> KataError {
            KataError(.invalidArgument, "\(field) \"\(printable(path))\": \(reason)")
        }
        guard !path.utf8.contains(0) else { throw refuse("contains a NUL byte") }
        guard path.utf8.count <= Int(PATH_MAX) else { throw refuse("longer than \(PATH_MAX) bytes") }
        let prefix = root.hasSuffix("/") ? root : root + "/"
        guard path.hasPrefix(prefix) else { throw refuse("must be below \(root)") }
        let components = path.dropFirst(prefix.count).split(separator: "/").map(String.init)
        guard !components.isEmpty else { throw refuse("must be below \(root), not \(root) itself") }
        guard !components.contains(where: { $0 == "." || $0 == ".." }) else {
            throw refuse("must not have \".\" or \"..\" components")
        }
        guard components.allSatisfy({ $0.utf8.count <= Int(NAME_MAX) }) else {
            throw refuse("a component is longer than \(NAME_MAX) bytes")
        }
        return components
    }

    /// Opens `root` (made with mkdir -p when `mode` is given: the root itself is the agent's,
    /// not the host's), then each directory of `components` below it, creating missing ones
    /// with `mode`. A component that is a symlink fails with `invalidArgument`.
    public static func openDirectory(
        root: String, _ components: some Collection<String>, creating mode: mode_t?
    )
        throws -> FileDescriptor
    {
        if mode != nil { try makeDirectories(root) }
        let fd = Glibc.open(root, O_DIRECTORY | O_RDONLY | O_CLOEXEC | O_NOFOLLOW)
        guard fd >= 0 else { throw KataError.system("open \(root)", errno: errno) }
        var current = FileDescriptor(adopting: fd)
        var path = root
        for name in components {
            path += "/\(name)"
            if let mode {
                let made = current.withRaw { mkdirat($0, name, mode) == 0 ? 0 : errno } ?? EBADF
                guard made == 0 || made == EEXIST else {
                    throw KataError.system("mkdir \(path)", errno: made)
                }
            }
            current = try open(name, in: current, path: path, flags: O_DIRECTORY | O_RDONLY | O_CLOEXEC)
        }
        return current
    }

    /// openat2 of the single component `name` in `directory` (`path` names it in errors).
    public static func open(
        _ name: String, in directory: FileDescriptor, path: String, flags: Int32, mode: mode_t = 0
    ) throws -> FileDescriptor {
        let fd = directory.withRaw { ckata_open_beneath($0, name, flags | O_CLOEXEC, mode) } ?? -EBADF
        guard fd >= 0 else {
            switch -fd {
            case ELOOP:
                throw KataError(.invalidArgument, "\(printable(path)): a symlink is not followed here")
            case EXDEV:
                throw KataError(.invalidArgument, "\(printable(path)): leads outside its root")
            default:
                throw KataError.system("open \(printable(path))", errno: -fd)
            }
        }
        return FileDescriptor(adopting: fd)
    }

    /// O_PATH (Linux, all architectures): a descriptor that only names a file. Swift's Glibc
    /// module is imported without _GNU_SOURCE, which hides the constant.
    public static let pathOnly: Int32 = 0o10_000_000

    /// `/proc/self/fd/N`: the path that names exactly the open file, for calls that take a
    /// path (mount, umount) without resolving the original path again.
    public static func procPath(_ fd: Int32) -> String { "/proc/self/fd/\(fd)" }

    static func printable(_ path: String) -> String {
        String(path.unicodeScalars.prefix(200).map { $0.value < 0x20 ? "?" : Character($0) })
    }
}
