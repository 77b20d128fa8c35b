import Foundation
import KataCore
import OCI
import Testing

@testable import Runtime

/// Which spec mounts become what in the guest (`GuestVolume.classify`), and the refusal of
/// mounts no guest should get.
@Suite struct GuestVolumeTests {
    static let pods = "/var/lib/kubelet/pods/0f3c/volumes"

    func classify(
        _ mount: Mount, sharing: Bool, memory: Bool = false
    ) throws -> GuestVolume {
        try GuestVolume.classify(mount, index: 4, sharing: sharing) { _ in .init(isMemory: memory) }
    }

    func bind(_ destination: String, _ source: String, _ options: [String] = ["rbind", "rw"]) -> Mount {
        Mount(destination: destination, type: "bind", source: source, options: options)
    }

    @Test func bindMountsWithAShareAreSharedAndKeepTheirReadOnlyFlag() throws {
        #expect(
            try classify(Mount(destination: "/proc", type: "proc", source: "proc"), sharing: true) == .keep)
        #expect(
            try classify(Mount(destination: "/dev/shm", type: "tmpfs", source: "shm"), sharing: false)
                == .keep)
        #expect(
            try classify(bind("/etc/hosts", "/var/lib/cri/sandboxes/s/hosts"), sharing: true)
                == .share(source: "/var/lib/cri/sandboxes/s/hosts", readOnly: false))
        #expect(
            try classify(bind("/data", "/srv/data", ["rbind", "ro"]), sharing: true)
                == .share(source: "/srv/data", readOnly: true))
        // A bind mount spelled as an option only (type "none"), as containerd writes some.
        #expect(
            try classify(
                Mount(destination: "/d", type: "none", source: "/srv", options: ["bind"]), sharing: true)
                == .share(source: "/srv", readOnly: false))
        // A disk emptyDir is an ordinary share; a memory one is a pod tmpfs in the guest.
        let emptyDir = "\(Self.pods)/kubernetes.io~empty-dir/cache"
        #expect(
            try classify(bind("/cache", emptyDir), sharing: true) == .share(source: emptyDir, readOnly: false)
        )
        #expect(
            try classify(bind("/cache", emptyDir), sharing: true, memory: true) == .ephemeral(name: "cache"))
        #expect(
            try classify(bind("/dev/shm", "/run/cri/sandboxes/s/shm"), sharing: true)
                == .ephemeral(name: "shm"))
    }

    @Test func withoutAShareVolumesAreCopiedAndKubeletUpdatedOnesWatched() throws {
        let emptyDir = "\(Self.pods)/kubernetes.io~empty-dir/cache"
        #expect(try classify(bind("/cache", emptyDir), sharing: false) == .ephemeral(name: "cache"))
        #expect(
            try classify(bind("/dev/shm", "/run/cri/sandboxes/s/shm"), sharing: false)
                == .ephemeral(name: "shm"))
        for kind in ["configmap", "secret", "projected", "downward-api"] {
            let source = "\(Self.pods)/kubernetes.io~\(kind)/cfg"
            #expect(
                try classify(bind("/cfg", source, ["rbind", "ro"]), sharing: false)
                    == .copy(source: source, watch: true))
        }
        #expect(
            try classify(bind("/etc/resolv.conf", "/var/lib/cri/s/resolv.conf"), sharing: false)
                == .copy(source: "/var/lib/cri/s/resolv.conf", watch: false))
        // A writable hostPath is copied too, as upstream does with no shared filesystem.
        #expect(
            try classify(bind("/data", "/srv/data"), sharing: false)
                == .copy(source: "/srv/data", watch: false))
    }

    @Test(arguments: [
        Mount(destination: "etc/hosts", type: "bind", source: "/x", options: ["rbind"]),
        Mount(destination: "/etc/../../root", type: "bind", source: "/x", options: ["rbind"]),
        Mount(destination: "/a\u{0}b", type: "proc", source: "proc"),
        Mount(destination: "/data", type: "bind", source: nil, options: ["rbind"]),
        Mount(destination: "/data", type: "bind", source: "relative/dir", options: ["rbind"]),
        Mount(destination: "/data", type: "bind", source: "/srv/../etc", options: ["rbind"]),
        Mount(
            destination: "/shm", type: "bind", source: "\(pods)/kubernetes.io~empty-dir/shm",
            options: ["rbind"]),
    ])
    func hostileMountsAreRefusedNamingTheMount(_ mount: Mount) {
        #expect {
            _ = try GuestVolume.classify(mount, index: 4, sharing: false) { _ in .init(isMemory: true) }
        } throws: { error in
            (error as? KataError)?.code == .invalidArgument
                && (error as? KataError)?.message.hasPrefix("mounts[4] (destination") == true
        }
    }

    func tempDirectory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vol-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    /// kubelet's AtomicWriter layout: the values live in a timestamped directory that `..data`
    /// names; the entries are links through `..data`. The copy holds the current values.
    @Test func aConfigMapDirectoryIsCopiedThroughItsDataLink() throws {
        let root = try tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/..2026_01_01_00_00_00.1", withIntermediateDirectories: true)
        try "v1".write(toFile: root + "/..2026_01_01_00_00_00.1/key", atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/..data", withDestinationPath: "..2026_01_01_00_00_00.1")
        try fm.createSymbolicLink(atPath: root + "/key", withDestinationPath: "..data/key")
        let files = try VolumeCopy.files(source: root, guestPath: "/run/kata-containers/volumes/c1/2")
        #expect(
            files.map(\.path) == [
                "/run/kata-containers/volumes/c1/2", "/run/kata-containers/volumes/c1/2/key",
            ])
        #expect(files[0].mode & UInt32(S_IFMT) == UInt32(S_IFDIR))
        #expect(files[1].contents == Array("v1".utf8))
        #expect(VolumeCopy.dataTarget(path: root) == "..2026_01_01_00_00_00.1")
    }

    /// A symlink inside an ordinary directory could point anywhere on the host: skipped; a
    /// symlink as the volume itself is refused.
    @Test func symlinksInAVolumeAreNeverFollowed() throws {
        let root = try tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let fm = FileManager.default
        try fm.createDirectory(atPath: root + "/vol/sub", withIntermediateDirectories: true)
        try "a".write(toFile: root + "/vol/sub/a", atomically: false, encoding: .utf8)
        try fm.createSymbolicLink(atPath: root + "/vol/passwd", withDestinationPath: "/etc/passwd")
        try fm.createSymbolicLink(atPath: root + "/link", withDestinationPath: root + "/vol")
        let files = try VolumeCopy.files(source: root + "/vol", guestPath: "/g")
        #expect(files.map(\.path) == ["/g", "/g/sub", "/g/sub/a"])
        #expect(throws: KataError.self) { try VolumeCopy.files(source: root + "/link", guestPath: "/g") }
    }

    /// A read-only volume is read-only on the host side of the share too; the mount is undone
    /// through the share without following links.
    @Test func aReadOnlyFileVolumeRefusesWritesOnTheHost() throws {
        let root = try tempDirectory()
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "host".write(toFile: root + "/hosts", atomically: false, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: root + "/share", withIntermediateDirectories: true)
        let target = try ShareTarget(root: root + "/share", components: ["c1", "volumes", "0"])
        try VolumeShare.bind(source: root + "/hosts", at: target, readOnly: true)
        #expect(try String(contentsOfFile: target.path, encoding: .utf8) == "host")
        #expect(open(target.path, O_WRONLY) == -1 && errno == EROFS)
        try RootfsMount.unmount(target)
        #expect(open(target.path, O_WRONLY) != -1 || errno != EROFS)
        #expect(throws: KataError.self) {
            try FileManager.default.createSymbolicLink(
                atPath: root + "/ln", withDestinationPath: root + "/hosts")
            try VolumeShare.bind(source: root + "/ln", at: target, readOnly: false)
        }
    }
}

/// The pod's resolv.conf, which containerd binds into the sandbox container's spec, becomes
/// CreateSandbox's `dns` lines.
@Suite struct SandboxDNSTests {
    @Test func theSandboxSpecsResolvConfBecomesTheDNSLines() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("dns-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: root) }
        try "search a.test\nnameserver 10.0.0.53\n\noptions ndots:2\n".write(
            toFile: root + "/resolv.conf", atomically: false, encoding: .utf8)
        func spec(_ source: String) -> Spec {
            Spec(mounts: [
                Mount(destination: "/dev/shm", type: "bind", source: root, options: ["rbind"]),
                Mount(
                    destination: "/etc/resolv.conf", type: "bind", source: source, options: ["rbind", "ro"]),
            ])
        }
        #expect(
            try spec(root + "/resolv.conf").sandboxDNS() == [
                "search a.test", "nameserver 10.0.0.53", "options ndots:2",
            ])
        #expect(try Spec().sandboxDNS() == [])
        try FileManager.default.createSymbolicLink(
            atPath: root + "/link", withDestinationPath: "/etc/resolv.conf")
        #expect(throws: KataError.self) { try spec(root + "/link").sandboxDNS() }
        try Data(count: Spec.maxResolvConfBytes + 1).write(to: URL(fileURLWithPath: root + "/big"))
        #expect(throws: KataError.self) { try spec(root + "/big").sandboxDNS() }
        #expect(throws: KataError.self) { try spec(root).sandboxDNS() }  // a directory
    }

    @Test func aSpecHostnameIsCheckedAndGetsItsOwnUTSNamespaceInTheGuest() throws {
        #expect(try Sandbox.guestHostname("vol-pod", sandboxID: "abc") == "vol-pod")
        #expect(try Sandbox.guestHostname(nil, sandboxID: String(repeating: "a", count: 64)).count == 63)
        #expect(throws: KataError.self) {
            try Sandbox.guestHostname(String(repeating: "h", count: 65), sandboxID: "a")
        }
        #expect(throws: KataError.self) { try Sandbox.guestHostname("a\u{0}b", sandboxID: "a") }
        let spec = Spec(hostname: "vol-pod", linux: Linux(namespaces: [Namespace(type: "mount")]))
        let guest = spec.forGuest(containerID: "c1", guestRootfs: "/r", mounts: nil)
        #expect(guest.linux?.namespaces == [Namespace(type: "mount"), Namespace(type: "uts")])
    }
}

/// After a crashed shim, `Sandbox.cleanUp` undoes the volume mounts the state recorded before
/// it removes the share, and the host's files behind them survive.
@Suite struct VolumeCleanUpTests {
    @Test func crashCleanUpUnmountsSharedVolumesAndKeepsTheHostsFiles() throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("volc-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: root) }
        let paths = SandboxPaths(sandboxID: "sb1", stateRoot: root + "/sbs", sharedRoot: root + "/shared")
        try FileManager.default.createDirectory(
            atPath: paths.sharedDirectory, withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: root + "/hostpath", withIntermediateDirectories: true)
        try "keep".write(toFile: root + "/hostpath/file", atomically: false, encoding: .utf8)
        let target = try ShareTarget(root: paths.sharedDirectory, components: ["c1", "volumes", "0"])
        try VolumeShare.bind(source: root + "/hostpath", at: target, readOnly: false)
        #expect(try String(contentsOfFile: target.path + "/file", encoding: .utf8) == "keep")
        try SandboxState(paths: paths, mounts: [target.path], containers: ["c1"]).save()
        Sandbox.cleanUp(paths: paths, logger: .init(label: "test"))
        let mounts = try String(contentsOfFile: "/proc/self/mountinfo", encoding: .utf8)
        #expect(!mounts.contains(target.path))
        #expect(!FileManager.default.fileExists(atPath: paths.sharedBase))
        #expect(try String(contentsOfFile: root + "/hostpath/file", encoding: .utf8) == "keep")
    }
}
