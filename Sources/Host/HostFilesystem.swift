import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// Reads host files relative to a root directory: "/" on the real host, a temporary tree
/// with fake `/proc`, `/sys`, `/dev` and `/etc` in tests.
public struct HostFilesystem: Sendable, Equatable {
    /// What kind of file a path names.
    public enum FileKind: String, Sendable, Equatable, Codable {
        case regular, directory, characterDevice, blockDevice, socket, fifo, symlink, other
    }

    /// The root directory, without a trailing slash ("" for the real root).
    public let root: String

    public init(root: String) {
        var trimmed = root
        while trimmed.hasSuffix("/") { trimmed.removeLast() }
        self.root = trimmed
    }

    public static let live = HostFilesystem(root: "/")

    /// The real path of an absolute host path.
    public func resolve(_ path: String) -> String {
        root + (path.hasPrefix("/") ? path : "/" + path)
    }

    /// The file's text, or nil when it is missing or unreadable. Reads at most `limit` bytes,
    /// as /proc and /sys files are small and a fake tree must not make us read without bound.
    public func readText(_ path: String, limit: Int = 1 << 20) -> String? {
        let fd = open(resolve(path), O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while bytes.count < limit {
            let count = chunk.withUnsafeMutableBytes {
                read(fd, $0.baseAddress, min($0.count, limit - bytes.count))
            }
            if count < 0 && errno == EINTR { continue }
            guard count > 0 else { break }
            bytes.append(contentsOf: chunk[0..<count])
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// The first line of the file, trimmed of surrounding whitespace.
    public func readLine(_ path: String) -> String? {
        guard let text = readText(path, limit: 4096) else { return nil }
        return text.split(separator: "\n", maxSplits: 1, omittingEmptySubsequences: false).first
            .map { $0.trimmingWhitespace() }
    }

    /// The kind of file at `path` (not following a final symlink), or nil when absent.
    public func kind(_ path: String) -> FileKind? {
        var info = stat()
        guard lstat(resolve(path), &info) == 0 else { return nil }
        switch info.st_mode & S_IFMT {
        case S_IFREG: return .regular
        case S_IFDIR: return .directory
        case S_IFCHR: return .characterDevice
        case S_IFBLK: return .blockDevice
        case S_IFSOCK: return .socket
        case S_IFIFO: return .fifo
        case S_IFLNK: return .symlink
        default: return .other
        }
    }

    public func exists(_ path: String) -> Bool { access(resolve(path), F_OK) == 0 }

    /// True when this process may execute the file (and it is not a directory).
    public func isExecutable(_ path: String) -> Bool {
        var info = stat()
        guard stat(resolve(path), &info) == 0, info.st_mode & S_IFMT != S_IFDIR else { return false }
        return access(resolve(path), X_OK) == 0
    }

    /// Names in a directory, sorted, without "." and "..", or nil when it cannot be listed.
    public func entries(_ path: String) -> [String]? {
        (try? directoryEntries(resolve(path)))?.sorted()
    }
}

extension StringProtocol {
    /// The text without leading and trailing spaces, tabs and line breaks.
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let start = firstIndex(where: { !isSpace($0) }), let end = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[start...end])
    }
}
