import Agent
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A host volume read for copying into the guest (`shared_fs = "none"`): a regular file, or a
/// directory tree of regular files. Every step is opened relative to its parent with
/// O_NOFOLLOW: a symlink inside a volume is skipped (its target could be anywhere on the host),
/// except a kubelet AtomicWriter directory's `..data`, a link to a sibling timestamped
/// directory, whose files are what the volume holds. Bounded in files and bytes.
enum VolumeCopy {
    static let maxFiles = 1024
    static let maxBytes = 64 << 20
    /// The link kubelet swaps to publish a new version of a ConfigMap, Secret, ... volume.
    static let dataLink = "..data"

    /// The files of `source`, as GuestFiles below `guestPath` (a directory gets a directory
    /// entry first, so an empty one exists in the guest too).
    static func files(source: String, guestPath: String) throws -> [GuestFile] {
        let fd = open(source, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else {
            let code = errno
            throw code == ELOOP
                ? KataError(.invalidArgument, "volume source \(source) is a symlink (refused, not followed)")
                : KataError.system("volume source \(source)", errno: code)
        }
        defer { close(fd) }
        var info = stat()
        guard fstat(fd, &info) == 0 else { throw KataError.system("stat \(source)", errno: errno) }
        var budget = (files: maxFiles, bytes: maxBytes)
        switch info.st_mode & S_IFMT {
        case S_IFREG:
            return [try regularFile(fd, info, path: guestPath, source: source, budget: &budget)]
        case S_IFDIR:
            var out = [directoryEntry(guestPath, info)]
            if let data = try dataDirectory(fd, source: source) {
                defer { close(data) }
                try walk(
                    data, guestPath: guestPath, source: source, recurse: false, into: &out, budget: &budget)
            } else {
                try walk(fd, guestPath: guestPath, source: source, recurse: true, into: &out, budget: &budget)
            }
            return out
        default:
            throw KataError(
                .invalidArgument, "volume source \(source): only directories and regular files can be copied")
        }
    }

    /// The target of `..data` when it is a link to a plain sibling name: where kubelet keeps
    /// the volume's current files. Nil for any other directory.
    static func dataTarget(_ directory: Int32) -> String? {
        var buffer = [CChar](repeating: 0, count: 256)
        let count = readlinkat(directory, dataLink, &buffer, buffer.count - 1)
        guard count > 0 else { return nil }
        let name = String(decoding: buffer[0..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self)
        guard !name.contains("/"), name.hasPrefix(".."), name != "..", name != dataLink else { return nil }
        return name
    }

    /// The `..data` link's target, read from `path` (the watcher's poll): nil when absent.
    static func dataTarget(path: String) -> String? {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        return dataTarget(fd)
    }

    private static func dataDirectory(_ directory: Int32, source: String) throws -> Int32? {
        guard let name = dataTarget(directory) else { return nil }
        let fd = openat(directory, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)
        guard fd >= 0 else { throw KataError.system("open \(source)/\(name)", errno: errno) }
        return fd
    }

    private static func directoryEntry(_ path: String, _ info: stat) -> GuestFile {
        GuestFile(
            path: path, contents: [], mode: UInt32(S_IFDIR) | UInt32(info.st_mode & 0o7777),
            directoryMode: 0o755, uid: Int32(bitPattern: info.st_uid), gid: Int32(bitPattern: info.st_gid))
    }

    private static func walk(
        _ directory: Int32, guestPath: String, source: String, recurse: Bool, into out: inout [GuestFile],
        budget: inout (files: Int, bytes: Int)
    ) throws {
        for name in try entries(directory, source: source) where !name.hasPrefix("..") || recurse {
            let fd = openat(directory, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK)
            guard fd >= 0 else { continue }  // a symlink (ELOOP) or gone meanwhile: skipped
            defer { close(fd) }
            var info = stat()
            guard fstat(fd, &info) == 0 else { continue }
            let path = "\(guestPath)/\(name)"
            switch info.st_mode & S_IFMT {
            case S_IFREG:
                out.append(try regularFile(fd, info, path: path, source: source, budget: &budget))
            case S_IFDIR where recurse:
                out.append(directoryEntry(path, info))
                try walk(fd, guestPath: path, source: source, recurse: true, into: &out, budget: &budget)
            default: continue  // devices, sockets, FIFOs cannot be copied (as upstream: skipped)
            }
        }
    }

    private static func entries(_ directory: Int32, source: String) throws -> [String] {
        do {
            return try directoryEntries(descriptor: directory).sorted()
        } catch let error as KataError {
            throw KataError(error.code, "list \(source): \(error.message)")
        }
    }

    private static func regularFile(
        _ fd: Int32, _ info: stat, path: String, source: String, budget: inout (files: Int, bytes: Int)
    ) throws -> GuestFile {
        budget.files -= 1
        budget.bytes -= Int(info.st_size)
        guard budget.files >= 0, budget.bytes >= 0 else {
            throw KataError(
                .invalidArgument,
                "volume \(source): more than \(maxFiles) files or \(maxBytes >> 20) MiB to copy into the guest"
            )
        }
        var contents = [UInt8](repeating: 0, count: Int(info.st_size))
        var done = 0
        while done < contents.count {
            let n = contents[done...].withUnsafeMutableBytes {
                pread(fd, $0.baseAddress, $0.count, off_t(done))
            }
            if n < 0 && errno == EINTR { continue }
            guard n >= 0 else { throw KataError.system("read \(source)", errno: errno) }
            if n == 0 { break }
            done += n
        }
        return GuestFile(
            path: path, contents: Array(contents[0..<done]), mode: UInt32(info.st_mode & 0o7777),
            directoryMode: 0o755, uid: Int32(bitPattern: info.st_uid), gid: Int32(bitPattern: info.st_gid))
    }
}
