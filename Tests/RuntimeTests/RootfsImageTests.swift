import Foundation
import KataCore
import Testing

@testable import Runtime

/// The host half of block root filesystems with the real tools (mkfs.erofs, veritysetup):
/// what veritysetup reports is what the image holds, the cache shares and drops entries as
/// its rule says, and veritysetup's text is read strictly.
@Suite(.serialized) struct RootfsImageTests {
    static func scratch() throws -> String {
        let path = NSTemporaryDirectory() + "rootfs-image-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// A busybox tree like the test image's.
    static func busyboxTree(at root: String) throws {
        try FileManager.default.createDirectory(atPath: root + "/bin", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/etc", withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: "/bin/busybox", toPath: root + "/bin/busybox")
        for applet in ["sh", "cat", "ls", "echo"] {
            try FileManager.default.createSymbolicLink(
                atPath: root + "/bin/" + applet, withDestinationPath: "busybox")
        }
        try "root:x:0:0:root:/root:/bin/sh\n".write(
            toFile: root + "/etc/passwd", atomically: true, encoding: .utf8)
    }

    @Test func imageCarriesTheTreeTheHashSaysAndTheCacheSharesIt() async throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Self.busyboxTree(at: work + "/tree")
        let cache = RootfsImageCache(root: work + "/cache")
        var started = ContinuousClock.now
        let first = try cache.acquire(key: "k1", user: "sb+c1") {
            try RootfsImage.build(from: work + "/tree", to: $0)
        }
        let buildTime = ContinuousClock.now - started
        #expect(!first.hit)
        try first.image.verity.validate()
        #expect(first.image.verity.offset == first.image.verity.blocknum * 4096)
        #expect(first.image.sizeBytes > first.image.verity.offset, "the hash tree follows the data")
        // veritysetup itself checks the tree against the root hash we parsed.
        let verify = try await Self.run(
            "/usr/sbin/veritysetup",
            [
                "verify", "--no-superblock", "--salt=-", "--hash-offset=\(first.image.verity.offset)",
                "--data-blocks=\(first.image.verity.blocknum)", first.image.path, first.image.path,
                first.image.verity.hash,
            ])
        #expect(verify == 0)

        started = ContinuousClock.now
        let second = try cache.acquire(key: "k1", user: "sb2+c2") { _ in
            Issue.record("a cached image was built again")
            throw KataError(.internal, "rebuilt")
        }
        let hitTime = ContinuousClock.now - started
        #expect(second.hit && second.image == first.image)
        #expect(cache.userCount(key: "k1") == 2)
        print(
            "busybox rootfs image: build \(buildTime), \(first.image.sizeBytes) bytes "
                + "(\(first.image.verity.blocknum) data blocks), cache hit \(hitTime)")

        cache.release(key: "k1", user: "sb+c1")
        #expect(FileManager.default.fileExists(atPath: first.image.path), "still used by sb2+c2")
        cache.releaseAll(sandbox: "sb2")
        #expect(
            !FileManager.default.fileExists(atPath: work + "/cache/k1"), "no user left: the entry is gone")
    }

    /// A failed build leaves no entry (the next container builds again, from nothing).
    @Test func failedBuildLeavesNothing() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        let cache = RootfsImageCache(root: work + "/cache")
        #expect(throws: KataError.self) {
            _ = try cache.acquire(key: "k", user: "a+b") {
                try RootfsImage.build(from: work + "/missing", to: $0)
            }
        }
        #expect(!FileManager.default.fileExists(atPath: work + "/cache/k"))
    }

    /// A host without the tools: the error names the Debian package, and nothing is built.
    @Test func missingToolNamesItsPackage() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Self.busyboxTree(at: work + "/tree")
        for (mkfs, verity, package) in [
            (["/nonexistent/mkfs.erofs"], RootfsImage.veritysetupCandidates, "erofs-utils"),
            (RootfsImage.mkfsCandidates, ["/nonexistent/veritysetup"], "cryptsetup-bin"),
        ] {
            let error = #expect(throws: KataError.self) {
                _ = try RootfsImage.build(
                    from: work + "/tree", to: work + "/image", mkfsCandidates: mkfs,
                    veritysetupCandidates: verity)
            }
            #expect(
                error?.code == .unsupported && error?.message.contains(package) == true,
                "\(String(describing: error))")
            #expect(!FileManager.default.fileExists(atPath: work + "/image"))
        }
    }

    /// The figure for a ~200 MiB root filesystem (incompressible files, as a real image's
    /// binaries mostly are).
    @Test func largeRootfsFigures() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        try Self.busyboxTree(at: work + "/tree")
        var chunk = Data(count: 1 << 20)
        chunk.withUnsafeMutableBytes { _ = getentropy($0.baseAddress, 256) }
        for index in 1..<(1 << 12) { chunk[index * 256] = UInt8(truncatingIfNeeded: index &* 151) }
        for file in 0..<20 {
            var data = Data()
            for index in 0..<10 {
                chunk[0] = UInt8(file)  // every MiB differs
                chunk[1] = UInt8(index)
                data.append(chunk)
            }
            try data.write(to: URL(fileURLWithPath: work + "/tree/blob\(file)"))
        }
        let started = ContinuousClock.now
        let image = try RootfsImage.build(from: work + "/tree", to: work + "/image")
        print(
            "200 MiB rootfs image: build \(ContinuousClock.now - started) (tools \(image.buildMilliseconds) ms), "
                + "\(image.sizeBytes) bytes")
        #expect(image.sizeBytes > 200 << 20)
    }

    @Test func keySharesCommittedLayersOnlyWhileTheUpperLayerIsEmpty() throws {
        let work = try Self.scratch()
        defer { try? FileManager.default.removeItem(atPath: work) }
        for directory in ["l1", "l2", "upper", "work"] {
            try FileManager.default.createDirectory(
                atPath: work + "/" + directory, withIntermediateDirectories: true)
        }
        func overlay(_ lower: String) -> [RootfsMount] {
            [
                RootfsMount(
                    type: "overlay", source: "overlay",
                    options: [
                        "index=off", "workdir=\(work)/work", "upperdir=\(work)/upper", "lowerdir=\(lower)",
                    ])
            ]
        }
        let key = try #require(RootfsImageCache.key(for: overlay("\(work)/l1:\(work)/l2")))
        #expect(RootfsImageCache.key(for: overlay("\(work)/l1:\(work)/l2")) == key)
        #expect(RootfsImageCache.key(for: overlay("\(work)/l2:\(work)/l1")) != key, "layer order matters")
        #expect(
            RootfsImageCache.key(for: [RootfsMount(type: "bind", source: work + "/l1", options: ["rbind"])])
                == nil)
        try "x".write(toFile: work + "/upper/f", atomically: true, encoding: .utf8)
        #expect(
            RootfsImageCache.key(for: overlay("\(work)/l1:\(work)/l2")) == nil,
            "a used upper layer is private")
    }

    static let sampleOutput = """
        VERITY header information for img
        UUID:            \t
        Hash type:       \t1
        Data blocks:     \t25
        Data block size: \t4096
        Hash blocks:     \t1
        Hash block size: \t4096
        Hash algorithm:  \tsha256
        Salt:            \t-
        Root hash:      \t1cf50d0c2dc6efc8dbcb90592867f8cdbd0366f0d6c6fb703989ca9b06dae630

        """

    @Test func veritysetupOutputIsReadStrictly() throws {
        let parsed = try VeritysetupOutput(parsing: Self.sampleOutput)
        let info = try parsed.verityInfo(hashOffset: 25 * 4096)
        #expect(
            info
                == DmVerityInfo(
                    hashtype: "sha256",
                    hash: "1cf50d0c2dc6efc8dbcb90592867f8cdbd0366f0d6c6fb703989ca9b06dae630",
                    blocknum: 25, blocksize: 4096, hashsize: 4096, offset: 25 * 4096))
        let broken = [
            Self.sampleOutput.replacingOccurrences(
                of: "Root hash:      \t1cf5", with: "Root hash:      \tzzf5"),
            Self.sampleOutput.replacingOccurrences(
                of: "Data blocks:     \t25", with: "Data blocks:     \t-25"),
            Self.sampleOutput.replacingOccurrences(of: "Salt:            \t-", with: "Salt:            \tab"),
            Self.sampleOutput + "Root hash:\t00\n",
            Self.sampleOutput.replacingOccurrences(
                of: "Hash block size: \t4096", with: "Hash block size: \t4095"),
            Self.sampleOutput.replacingOccurrences(
                of: "Hash algorithm:  \tsha256", with: "Hash algorithm:  \tmd5"),
        ]
        for text in broken {
            #expect(throws: KataError.self) {
                try VeritysetupOutput(parsing: text).verityInfo(hashOffset: 25 * 4096)
            }
        }
        #expect(throws: KataError.self) { try parsed.verityInfo(hashOffset: 4096) }  // overlaps the data
    }

    @Test func verityTableLineIsTheKernelsFormat() {
        let info = DmVerityInfo(
            hashtype: "sha256", hash: String(repeating: "AB", count: 32), blocknum: 10, blocksize: 4096,
            hashsize: 4096, offset: 40960)
        #expect(
            info.targetParameters(device: "254:0")
                == "1 254:0 254:0 4096 4096 10 10 sha256 \(String(repeating: "ab", count: 32)) -")
        #expect(info.dataSectors == 80)
    }

    /// The Storage the agent gets: upstream's `blk` shape, `verity_info` as upstream's JSON keys.
    @Test func storageHasUpstreamsShape() throws {
        let info = DmVerityInfo(
            hashtype: "sha256", hash: String(repeating: "ab", count: 32), blocknum: 10, blocksize: 4096,
            hashsize: 4096, offset: 40960)
        let storage = try Sandbox.blockRootStorage(
            pciPath: try GuestPCIPath(parsing: "0f/00"), verity: info,
            mountPoint: "/run/kata-containers/shared/containers/c1/rootfs", writable: true)
        #expect(storage.driver == "blk" && storage.source == "0f/00" && storage.fsType == "erofs")
        #expect(storage.options == ["ro"])
        let verity = try #require(storage.driverOptions.first { $0.hasPrefix("verity_info=") })
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(verity.dropFirst("verity_info=".count).utf8))
                as? [String: Any])
        #expect(Set(object.keys) == ["hashtype", "hash", "blocknum", "blocksize", "hashsize", "offset"])
        #expect(storage.driverOptions.contains("source_type=virtio_pci"))
        #expect(storage.driverOptions.contains("overlay_tmpfs_size=\(Sandbox.overlaySizeBytes)"))
    }

    static func run(_ tool: String, _ arguments: [String]) async throws -> Int32 {
        let process = Foundation.Process()
        process.executableURL = URL(fileURLWithPath: tool)
        process.arguments = arguments
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        process.waitUntilExit()
        return process.terminationStatus
    }
}
