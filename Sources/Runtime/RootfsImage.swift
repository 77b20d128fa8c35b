import Host
import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A container root filesystem as a read-only block image: EROFS of the directory tree, then
/// its dm-verity hash tree appended to the same file (data first, tree at `verity.offset`).
public struct RootfsImage: Sendable, Equatable, Codable {
    public var path: String
    /// The whole file: EROFS image plus hash tree.
    public var sizeBytes: UInt64
    public var verity: DmVerityInfo
    /// How long mkfs.erofs + veritysetup took when it was built.
    public var buildMilliseconds: Int64

    /// The host programs used, on the paths Debian installs them to.
    static let mkfsCandidates = ["/usr/bin/mkfs.erofs", "/usr/sbin/mkfs.erofs", "/sbin/mkfs.erofs"]
    static let veritysetupCandidates = ["/usr/sbin/veritysetup", "/sbin/veritysetup", "/usr/bin/veritysetup"]
    /// Each tool may run this long (a large rootfs under a busy host).
    static let toolTimeoutMilliseconds: Int32 = 300_000

    /// Builds the image of `directory` into `path` (which must not exist). On failure nothing is
    /// left at `path`.
    static func build(
        from directory: String, to path: String, mkfsCandidates: [String] = mkfsCandidates,
        veritysetupCandidates: [String] = veritysetupCandidates
    ) throws -> RootfsImage {
        let mkfs = try tool(mkfsCandidates, package: "erofs-utils")
        let veritysetup = try tool(veritysetupCandidates, package: "cryptsetup-bin")
        let started = ContinuousClock.now
        do {
            // Uncompressed: the guest reads it directly, and no decompressor runs on hostile bytes.
            try run(mkfs, ["--quiet", "-x-1", path, directory])
            let dataBytes = try padToBlock(path, blockSize: 4096)
            let output = try run(
                veritysetup,
                [
                    "format", "--no-superblock", "--salt=-", "--hash=sha256", "--data-block-size=4096",
                    "--hash-block-size=4096", "--hash-offset=\(dataBytes)", path, path,
                ])
            let verity = try VeritysetupOutput(parsing: output).verityInfo(hashOffset: dataBytes)
            guard verity.blocknum * verity.blocksize == dataBytes else {
                throw KataError(
                    .malformedInput,
                    "veritysetup covered \(verity.blocknum) blocks of \(verity.blocksize), not the image's \(dataBytes) bytes"
                )
            }
            return RootfsImage(
                path: path, sizeBytes: try fileSize(path), verity: verity,
                buildMilliseconds: (ContinuousClock.now - started).wholeMilliseconds)
        } catch {
            unlink(path)
            throw error
        }
    }

    private static func tool(_ candidates: [String], package: String) throws -> String {
        guard let found = candidates.first(where: { access($0, X_OK) == 0 }) else {
            throw KataError(
                .unsupported,
                "\(candidates[0]) not found: container root filesystems on block devices "
                    + "(shared_fs = \"none\") need the Debian package \(package) on the host")
        }
        return found
    }

    @discardableResult
    private static func run(_ tool: String, _ arguments: [String]) throws -> String {
        let result = try ProcessOutput.run(tool, arguments, timeoutMilliseconds: toolTimeoutMilliseconds)
        guard result.exitStatus == 0 else {
            throw KataError(
                .system,
                "\(tool) \(arguments.joined(separator: " ")) exited with \(result.exitStatus): "
                    + String(result.output.suffix(2000)))
        }
        return result.output
    }

    /// Extends the file to a whole number of blocks (the hash tree starts on a block); its size.
    private static func padToBlock(_ path: String, blockSize: UInt64) throws -> UInt64 {
        let size = try fileSize(path)
        let padded = (size + blockSize - 1) / blockSize * blockSize
        guard size > 0 else { throw KataError(.internal, "mkfs.erofs wrote an empty \(path)") }
        if padded != size, truncate(path, off_t(padded)) != 0 {
            throw KataError.system("extend \(path) to \(padded) bytes", errno: errno)
        }
        return padded
    }

    static func fileSize(_ path: String) throws -> UInt64 {
        var info = stat()
        guard stat(path, &info) == 0 else { throw KataError.system("stat \(path)", errno: errno) }
        return UInt64(info.st_size)
    }
}
