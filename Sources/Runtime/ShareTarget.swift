import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A directory below the sandbox's share, which the guest can write through 9p: it could plant
/// a symlink where the host is about to create, mount or unmount. So every step below `root`
/// (a host-owned directory) is created with mkdirat and opened with O_NOFOLLOW, and mount(2)
/// and umount2(2) act on the opened directory through /proc/self/fd: a planted symlink is
/// refused, never followed, and swapping a directory after the check changes nothing.
public struct ShareTarget: Sendable, Equatable, CustomStringConvertible {
    public let root: String
    public let components: [String]

    /// `components` are single names: never empty, ".", ".." or containing "/".
    public init(root: String, components: [String]) throws {
        for name in components where name.isEmpty || name == "." || name == ".." || name.contains("/") {
            throw KataError(.invalidArgument, "\(root): \"\(name)\" is not a plain directory name")
        }
        guard !components.isEmpty else { throw KataError(.invalidArgument, "\(root): no directory named") }
        self.root = root
        self.components = components
    }

    /// The target for `path`, which must lie below `root` (a path recorded in the state file).
    public init(root: String, path: String) throws {
        guard path.hasPrefix(root + "/") else {
            throw KataError(.invalidArgument, "\(path) is not below the share \(root)")
        }
        try self.init(
            root: root, components: path.dropFirst(root.count + 1).split(separator: "/").map(String.init))
    }

    public var path: String { ([root] + components).joined(separator: "/") }
    public var description: String { path }

    /// Runs `body` with a path naming the directory itself (/proc/self/fd/N), creating missing
    /// steps when `create`.
    func withDirectory<T>(create: Bool, _ body: (String) throws -> T) throws -> T {
        let fd = try open(components, create: create)
        defer { close(fd) }
        return try body("/proc/self/fd/\(fd)")
    }

    /// Runs `body` with a path through the opened parent to the last step: for calls that take
    /// a "do not follow the last component" flag (umount2 with UMOUNT_NOFOLLOW).
    func withLastStep<T>(_ body: (String) throws -> T) throws -> T {
        let fd = try open(Array(components.dropLast()), create: false)
        defer { close(fd) }
        return try body("/proc/self/fd/\(fd)/\(components.last!)")
    }

    /// A descriptor of `root/steps...`; `.notFound` when a step is missing, `.invalidArgument`
    /// when one is a symlink or not a directory.
    private func open(_ steps: [String], create: Bool) throws -> Int32 {
        var fd = Glibc.open(root, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw Self.failure("open", root, errno) }
        var reached = root
        for step in steps {
            reached += "/" + step
            if create && mkdirat(fd, step, 0o755) != 0 && errno != EEXIST {
                let code = errno
                close(fd)
                throw Self.failure("mkdir", reached, code)
            }
            let next = openat(fd, step, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
            let code = errno
            close(fd)
            guard next >= 0 else { throw Self.failure("open", reached, code) }
            fd = next
        }
        return fd
    }

    private static func failure(_ what: String, _ path: String, _ code: Int32) -> KataError {
        switch code {
        case ENOENT: KataError(.notFound, "\(what) \(path): no such directory")
        case ELOOP, ENOTDIR:
            KataError(
                .invalidArgument, "\(what) \(path): a symlink or not a directory (refused, not followed)")
        default: KataError.system("\(what) \(path)", errno: code)
        }
    }
}
