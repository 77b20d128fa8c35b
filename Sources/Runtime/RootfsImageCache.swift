import Firmware
import KataCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif
#if canImport(Glibc)
    import Glibc
#endif

/// Built root filesystem images, shared by every sandbox on the host: one entry a snapshot
/// (`key(for:)`), reference-counted by marker files `users/<sandbox>+<container>`. An entry is
/// deleted when its last user releases it, so the cache never holds an image no container
/// uses (and a crashed shim's references go with its clean-up, `releaseAll`). All changes
/// happen under one flock(2) on `root/.lock`, across shim processes; a build holds it too, so
/// two sandboxes never build the same image twice.
///
///     root/<key>/image        EROFS + dm-verity tree (what QEMU opens read-only)
///     root/<key>/image.json   its `RootfsImage` record
///     root/<key>/users/<user> one per container using it
package struct RootfsImageCache: Sendable {
    package let root: String

    package init(root: String) { self.root = root }

    /// A key for an image of `mounts` that other containers can share, or nil when it depends
    /// on this container alone (a bind mount of a private copy, or an overlay whose upper
    /// layer already has files). containerd's committed snapshots (the lower layers) never
    /// change; their device, inode and ctime guard against a path reused for another snapshot.
    package static func key(for mounts: [RootfsMount]) -> String? {
        guard mounts.count == 1, let mount = mounts.first, mount.type == "overlay" else { return nil }
        var lower: [String] = []
        var upper: String?
        for option in mount.options {
            if option.hasPrefix("lowerdir=") {
                lower = option.dropFirst("lowerdir=".count).split(separator: ":").map(String.init)
            } else if option.hasPrefix("upperdir=") {
                upper = String(option.dropFirst("upperdir=".count))
            }
        }
        if let upper, (try? directoryEntries(upper))?.isEmpty != true { return nil }
        guard !lower.isEmpty else { return nil }
        var text = "erofs-verity-v1\n"
        for directory in lower {
            var info = stat()
            guard stat(directory, &info) == 0 else { return nil }
            text +=
                "\(directory)\0\(info.st_dev):\(info.st_ino):\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)\n"
        }
        return hexString(DigestAlgorithm.sha256.hash(Array(text.utf8)))
    }

    /// The key of an image only `user` uses.
    package static func privateKey(user: String) -> String { "private-\(user)" }

    package static func user(sandbox: String, container: String) -> String { "\(sandbox)+\(container)" }

    /// Returns the entry for `key`, built by `build(path)` when missing, with `user` recorded
    /// as one of its users; `hit` says whether it already existed.
    package func acquire(key: String, user: String, build: (String) throws -> RootfsImage) throws
        -> (image: RootfsImage, hit: Bool)
    {
        try withLock {
            let entry = "\(root)/\(key)"
            if let image = try? load(entry) {
                try writeFile("\(entry)/users/\(user)", [])
                return (image, true)
            }
            // A half-built entry (a build that crashed) is rebuilt from nothing.
            _ = removeTree(entry)
            try makeDirectories("\(entry)/users", mode: 0o755)
            do {
                var image = try build("\(entry)/image")
                image.path = "\(entry)/image"
                try FileOps.writeAtomically("\(entry)/image.json", Array(try JSONEncoder().encode(image)))
                try writeFile("\(entry)/users/\(user)", [])
                return (image, false)
            } catch {
                _ = removeTree(entry)
                throw error
            }
        }
    }

    /// Drops `user`'s reference; the entry goes when it was the last.
    package func release(key: String, user: String) {
        try? withLock { releaseLocked(entry: "\(root)/\(key)", user: user) }
    }

    /// Drops every reference whose user name starts with `sandbox+` (a sandbox's clean-up).
    package func releaseAll(sandbox: String) {
        try? withLock {
            for key in (try? directoryEntries(root)) ?? [] where !key.hasPrefix(".") {
                let entry = "\(root)/\(key)"
                for user in (try? directoryEntries("\(entry)/users")) ?? []
                where user.hasPrefix("\(sandbox)+") {
                    releaseLocked(entry: entry, user: user)
                }
            }
        }
    }

    /// How many containers use `key` (tests and logs).
    package func userCount(key: String) -> Int {
        ((try? directoryEntries("\(root)/\(key)/users")) ?? []).count
    }

    private func releaseLocked(entry: String, user: String) {
        unlink("\(entry)/users/\(user)")
        if ((try? directoryEntries("\(entry)/users")) ?? []).isEmpty { _ = removeTree(entry) }
    }

    private func load(_ entry: String) throws -> RootfsImage {
        let image = try JSONDecoder().decode(
            RootfsImage.self, from: Data(try readFileBytes("\(entry)/image.json")))
        try image.verity.validate()
        guard image.path == "\(entry)/image", try RootfsImage.fileSize(image.path) == image.sizeBytes else {
            throw KataError(.malformedInput, "\(entry): image.json does not describe its image")
        }
        return image
    }

    private func withLock<T>(_ body: () throws -> T) throws -> T {
        try makeDirectories(root, mode: 0o700)
        let fd = open("\(root)/.lock", O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0o600)
        guard fd >= 0 else { throw KataError.system("open \(root)/.lock", errno: errno) }
        defer { close(fd) }
        while flock(fd, LOCK_EX) != 0 {
            guard errno == EINTR else { throw KataError.system("flock \(root)/.lock", errno: errno) }
        }
        return try body()
    }
}
