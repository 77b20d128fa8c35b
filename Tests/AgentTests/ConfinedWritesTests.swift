import Foundation
import GuestAgent
import KataCore
import Protocols
import Testing

@testable import KataAgentService

#if canImport(Glibc)
    import Glibc
#endif

/// CopyFile and storage mounts against a real temp directory standing in for
/// /run/kata-containers, with symlinks and a FIFO planted the way a hostile host could plant
/// them in the share. (The mount tests make real bind mounts: the tests run as root.)
@Suite struct ConfinedWritesTests {
    final class Tree {
        let base: String
        var root: String { base + "/root" }
        var outside: String { base + "/outside" }
        var paths: GuestPaths { GuestPaths(copyFileRoot: root, storageRoot: root) }

        init() throws {
            var template = Array("/tmp/kata-confined-XXXXXX".utf8CString)
            base = String(cString: try #require(mkdtemp(&template)))
            try makeDirectories(base + "/root")
            try makeDirectories(base + "/outside")
        }

        deinit { removeTree(base) }
    }

    func service(_ tree: Tree) -> AgentService {
        AgentService(reaper: ChildReaper(mode: .trackedOnly), paths: tree.paths)
    }

    func copy(_ path: String, _ bytes: [UInt8], offset: Int64 = 0) -> Grpc_CopyFileRequest {
        .with {
            $0.path = path
            $0.data = Data(bytes)
            $0.offset = offset
            $0.fileMode = 0o100640  // as the Go runtime sends it: with the file type bits
            $0.dirMode = 0o40750
            $0.uid = -1
            $0.gid = -1
        }
    }

    func entries(_ directory: String) -> [String] { listDirectory(directory) }

    @Test func copyFileCreatesDirectoriesAndWritesChunks() async throws {
        let tree = try Tree()
        let agent = service(tree)
        let path = tree.root + "/shared/c1/etc/hosts"
        try await agent.copyFile(copy(path, Array("hello ".utf8)))
        try await agent.copyFile(copy(path, Array("world".utf8), offset: 6))
        #expect(try readTextFile(path) == "hello world")
        var info = stat()
        #expect(stat(path, &info) == 0 && info.st_mode & 0o7777 == 0o640)
        #expect(stat(tree.root + "/shared/c1", &info) == 0 && info.st_mode & 0o777 == 0o750)
    }

    @Test func plantedSymlinksDoNotRedirectCopyFile() async throws {
        let tree = try Tree()
        let agent = service(tree)
        try makeDirectories(tree.root + "/shared")
        #expect(symlink(tree.outside, tree.root + "/shared/dirlink") == 0)
        #expect(symlink("../../outside", tree.root + "/shared/rel") == 0)
        try writeFile(tree.outside + "/target", Array("keep".utf8))
        #expect(symlink(tree.outside + "/target", tree.root + "/shared/filelink") == 0)
        for path in ["shared/dirlink/new", "shared/rel/new", "shared/dirlink/deeper/new", "shared/filelink"] {
            await #expect(throws: KataError.self, "\(path)") {
                try await agent.copyFile(copy(tree.root + "/" + path, Array("pwned".utf8)))
            }
        }
        #expect(entries(tree.outside) == ["target"], "nothing was created outside the root")
        #expect(try readTextFile(tree.outside + "/target") == "keep")
    }

    @Test func aPlantedFIFOFailsAtOnceInsteadOfBlocking() async throws {
        let tree = try Tree()
        #expect(mkfifo(tree.root + "/fifo", 0o644) == 0)
        let started = ContinuousClock.now
        await #expect(throws: KataError.self) {
            try await service(tree).copyFile(copy(tree.root + "/fifo", [1]))
        }
        #expect(ContinuousClock.now - started < .seconds(5))
    }

    @Test func bindMountLandsOnTheResolvedDirectoryAndUnmounts() throws {
        let tree = try Tree()
        try makeDirectories(tree.root + "/source")
        try writeFile(tree.root + "/source/file", Array("shared".utf8))
        let storage = try StorageMount(
            driver: "bind", source: tree.root + "/source", fsType: "", options: ["ro"],
            mountPoint: tree.root + "/mnt/one", root: tree.root)
        try storage.mount()
        #expect(try readTextFile(tree.root + "/mnt/one/file") == "shared")
        StorageMount.unmount(tree.root + "/mnt/one", root: tree.root)
        #expect(entries(tree.root + "/mnt/one").isEmpty, "unmounted")
    }

    @Test func plantedSymlinksDoNotRedirectAMount() throws {
        let tree = try Tree()
        try makeDirectories(tree.root + "/source")
        try writeFile(tree.root + "/source/file", Array("shared".utf8))
        #expect(symlink(tree.outside, tree.root + "/link") == 0)
        let throughLink = try StorageMount(
            driver: "bind", source: tree.root + "/source", fsType: "", options: [],
            mountPoint: tree.root + "/link/mnt", root: tree.root)
        #expect(throws: KataError.self) { try throughLink.mount() }
        #expect(entries(tree.outside).isEmpty, "no mount point was made outside")
        // A symlinked source cannot bind a directory from outside either.
        try writeFile(tree.outside + "/secret", Array("x".utf8))
        let fromLink = try StorageMount(
            driver: "bind", source: tree.root + "/link", fsType: "", options: [],
            mountPoint: tree.root + "/mnt", root: tree.root)
        #expect(throws: KataError.self) { try fromLink.mount() }
        #expect(entries(tree.root + "/mnt").isEmpty)
        // The mount point is the symlink itself (the last component).
        let onLink = try StorageMount(
            driver: "bind", source: tree.root + "/source", fsType: "", options: [],
            mountPoint: tree.root + "/link", root: tree.root)
        #expect(throws: KataError.self) { try onLink.mount() }
        #expect(entries(tree.outside) == ["secret"])
    }

    /// A directory entry (file_mode with S_IFDIR, as upstream sends one): the directory is made
    /// below the root, an empty one too, never through a planted symlink.
    @Test func copyFileMakesDirectoriesForDirectoryEntries() async throws {
        let tree = try Tree()
        let agent = service(tree)
        var request = copy(tree.root + "/volumes/c1/3/empty", [])
        request.fileMode = UInt32(S_IFDIR) | 0o750
        try await agent.copyFile(request)
        var info = stat()
        #expect(stat(tree.root + "/volumes/c1/3/empty", &info) == 0 && info.st_mode & S_IFMT == S_IFDIR)
        #expect(symlink(tree.outside, tree.root + "/volumes/c1/link") == 0)
        request.path = tree.root + "/volumes/c1/link/made"
        await #expect(throws: KataError.self) { try await agent.copyFile(request) }
        #expect(entries(tree.outside).isEmpty)
    }

    /// The pod's ephemeral storages: a tmpfs below root/sandbox, mounted by the first container
    /// that names it and unmounted with the last (SandboxState counts the references).
    @Test func ephemeralStoragesAreTmpfsCountedAcrossThePod() async throws {
        let tree = try Tree()
        let mountPoint = tree.root + "/sandbox/ephemeral/cache"
        let storage = try StorageMount(
            driver: "ephemeral", source: "tmpfs", fsType: "tmpfs", options: ["nodev", "size=1048576"],
            mountPoint: mountPoint, root: tree.root)
        #expect(throws: KataError.self) {
            try StorageMount(
                driver: "ephemeral", source: "tmpfs", fsType: "tmpfs", options: [],
                mountPoint: tree.root + "/shared/x", root: tree.root)
        }
        let state = SandboxState()
        #expect(await state.retainShared(mountPoint))
        try storage.mount()
        #expect(await !state.retainShared(mountPoint), "a second container reuses it")
        try writeFile(mountPoint + "/note", Array("in memory".utf8))
        let mounts = try readTextFile("/proc/self/mountinfo")
        #expect(mounts.contains(" \(mountPoint) ") && mounts.contains(" - tmpfs "))
        #expect(await !state.releaseShared(mountPoint), "still held by one container")
        #expect(await state.releaseShared(mountPoint), "the last one unmounts it")
        StorageMount.unmount(mountPoint, root: tree.root)
        #expect(entries(mountPoint).isEmpty, "unmounted")
        #expect(await !state.releaseShared(mountPoint), "no reference left to drop")
    }
}
