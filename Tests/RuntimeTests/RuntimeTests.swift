import Foundation
import KataCore
import OCI
import Testing

@testable import Runtime

@Suite struct GuestSpecTests {
    @Test func guestSpecPointsAtTheShareTakesTheGuestMountsAndDropsHostOnlyParts() {
        let spec = Spec(
            process: Process(args: ["/bin/sh"]), root: Root(path: "rootfs", readonly: true),
            mounts: [
                Mount(destination: "/proc", type: "proc", source: "proc"),
                Mount(
                    destination: "/etc/hosts", type: "bind", source: "/var/lib/x/hosts",
                    options: ["rbind", "ro"]),
                Mount(destination: "/data", type: "none", source: "/srv", options: ["rbind"]),
                Mount(destination: "/dev/shm", type: "tmpfs", source: "shm"),
            ],
            hooks: Hooks(prestart: [Hook(path: "/usr/bin/hook")]),
            linux: Linux(
                cgroupsPath: "kubepods.slice:cri-containerd:abc",
                namespaces: [
                    Namespace(type: "pid"), Namespace(type: "network", path: "/var/run/netns/cni-1"),
                ]))
        let mounts = [Mount(destination: "/proc", type: "proc", source: "proc")]
        let guest = spec.forGuest(
            containerID: "c1", guestRootfs: "/run/kata-containers/shared/containers/c1/rootfs", mounts: mounts
        )
        #expect(guest.root == Root(path: "/run/kata-containers/shared/containers/c1/rootfs", readonly: true))
        #expect(guest.mounts == mounts)
        #expect(guest.hooks == nil)
        // The pod network is the guest's own: no network namespace for the container.
        #expect(guest.linux?.namespaces == [Namespace(type: "pid")])
        #expect(guest.linux?.cgroupsPath == "/kata/c1")
        #expect(guest.process == spec.process)
    }
}

@Suite struct SandboxStateTests {
    func tempRoot() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("rt-\(UUID().uuidString)").path
    }

    @Test func stateRoundTripsAndCleanUpRemovesEverything() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let paths = SandboxPaths(sandboxID: "sb1", stateRoot: root + "/sbs", sharedRoot: root + "/shared")
        try FileManager.default.createDirectory(
            atPath: paths.hostRootfs(container: "c1"), withIntermediateDirectories: true)
        // A pid that is not a QEMU of this sandbox (this test process) must never be killed.
        let state = SandboxState(
            paths: paths, hypervisorPID: getpid(), mounts: [paths.hostRootfs(container: "c1")],
            containers: ["c1"])
        try state.save()
        #expect(try SandboxState.load(paths) == state)
        Sandbox.cleanUp(paths: paths, logger: .init(label: "test"))
        #expect(!FileManager.default.fileExists(atPath: paths.stateDirectory))
        #expect(!FileManager.default.fileExists(atPath: paths.sharedBase))
        #expect(!Sandbox.isQEMU(pid: getpid(), sandboxID: "sb1"))
    }

    @Test func corruptStateNamesTheFile() throws {
        let root = tempRoot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let paths = SandboxPaths(sandboxID: "sb2", stateRoot: root)
        try FileManager.default.createDirectory(
            atPath: paths.stateDirectory, withIntermediateDirectories: true)
        try "{not json".write(toFile: paths.stateFile, atomically: true, encoding: .utf8)
        #expect {
            try SandboxState.load(paths)
        } throws: { error in
            "\(error)".contains(paths.stateFile)
        }
    }
}

@Suite struct RootfsMountTests {
    @Test func optionsSplitIntoFlagsAndData() {
        let overlay = RootfsMount(
            type: "overlay", source: "overlay",
            options: ["index=off", "lowerdir=/a:/b", "upperdir=/u", "workdir=/w", "ro"])
        #expect(overlay.flagsAndData.data == "index=off,lowerdir=/a:/b,upperdir=/u,workdir=/w")
        #expect(overlay.flagsAndData.flags == UInt(MS_RDONLY))
        let bind = RootfsMount(type: "bind", source: "/x", options: ["rbind", "nosuid"])
        #expect(bind.flagsAndData.flags == UInt(MS_BIND | MS_REC | MS_NOSUID))
    }

    /// Real mounts (the tests run as root): a read-only bind mount appears, refuses writes, and
    /// unmounts; unmounting twice is fine.
    @Test func bindMountIsReadOnlyAndUnmounts() throws {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("mnt-\(UUID().uuidString)")
            .path
        defer { try? FileManager.default.removeItem(atPath: base) }
        try FileManager.default.createDirectory(atPath: base + "/src", withIntermediateDirectories: true)
        try "hello".write(toFile: base + "/src/file", atomically: true, encoding: .utf8)
        let target = try ShareTarget(root: base, components: ["dst"])
        try RootfsMount(type: "bind", source: base + "/src", options: ["rbind", "ro"]).mount(at: target)
        #expect(try String(contentsOfFile: base + "/dst/file", encoding: .utf8) == "hello")
        #expect(!FileManager.default.createFile(atPath: base + "/dst/new", contents: Data()))
        try RootfsMount.unmount(target)
        try RootfsMount.unmount(target)
        #expect(!FileManager.default.fileExists(atPath: base + "/dst/file"))
    }

    @Test func failedMountSaysWhat() {
        #expect {
            try RootfsMount(type: "bind", source: "/nonexistent-\(UUID())", options: []).mount(
                at: ShareTarget(
                    root: FileManager.default.temporaryDirectory.path, components: ["m-\(UUID())"]))
        } throws: { error in
            "\(error)".contains("mount bind")
        }
    }
}

/// The guest can write the share: symlinks it plants are refused, never followed, by the host's
/// mkdir, mount and unmount below it.
@Suite struct ShareTargetTests {
    func scratch() throws -> (share: String, victim: String, base: String) {
        let base = FileManager.default.temporaryDirectory.appendingPathComponent("share-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: base + "/share", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/victim", withIntermediateDirectories: true)
        try FileManager.default.createDirectory(atPath: base + "/src", withIntermediateDirectories: true)
        return (base + "/share", base + "/victim", base)
    }

    func isMounted(_ path: String) throws -> Bool {
        try String(contentsOfFile: "/proc/mounts", encoding: .utf8).split(separator: "\n")
            .contains { $0.split(separator: " ").dropFirst().first.map(String.init) == path }
    }

    @Test func mountThroughAPlantedSymlinkIsRefused() throws {
        let (share, victim, base) = try scratch()
        defer { _ = removeTree(base) }
        let bind = RootfsMount(type: "bind", source: base + "/src", options: ["rbind"])
        // The container's directory is a symlink out of the share.
        try FileManager.default.createSymbolicLink(atPath: share + "/c1", withDestinationPath: victim)
        #expect(throws: KataError.self) {
            try bind.mount(at: ShareTarget(root: share, components: ["c1", "rootfs"]))
        }
        #expect(!FileManager.default.fileExists(atPath: victim + "/rootfs"), "mkdir followed the symlink")
        // The mount point itself is a symlink.
        try FileManager.default.createDirectory(atPath: share + "/c2", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: share + "/c2/rootfs", withDestinationPath: victim)
        #expect(throws: KataError.self) {
            try bind.mount(at: ShareTarget(root: share, components: ["c2", "rootfs"]))
        }
        #expect(try !isMounted(victim))
    }

    @Test func unmountThroughAPlantedSymlinkIsRefused() throws {
        let (share, victim, base) = try scratch()
        defer { _ = removeTree(base) }
        // A host mount outside the share, and a guest-planted path to it.
        let hostMount = try ShareTarget(root: victim, components: ["mnt"])
        try RootfsMount(type: "bind", source: base + "/src", options: ["rbind"]).mount(at: hostMount)
        defer { try? RootfsMount.unmount(hostMount) }
        try FileManager.default.createSymbolicLink(atPath: share + "/c1", withDestinationPath: victim)
        #expect(throws: KataError.self) {
            try RootfsMount.unmount(ShareTarget(root: share, components: ["c1", "mnt"]))
        }
        try FileManager.default.createDirectory(atPath: share + "/c2", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: share + "/c2/mnt", withDestinationPath: victim + "/mnt")
        try RootfsMount.unmount(ShareTarget(root: share, components: ["c2", "mnt"]))
        #expect(try isMounted(victim + "/mnt"), "an unmount below the share detached a host mount")
    }

    @Test func removeTreeNeverFollowsSymlinks() throws {
        let (share, victim, base) = try scratch()
        defer { _ = removeTree(base) }
        try "keep".write(toFile: victim + "/file", atomically: true, encoding: .utf8)
        try FileManager.default.createDirectory(atPath: share + "/c1/sub", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: share + "/c1/sub/link", withDestinationPath: victim)
        try FileManager.default.createSymbolicLink(atPath: share + "/c1/top", withDestinationPath: victim)
        #expect(removeTree(share + "/c1"))
        #expect(!FileManager.default.fileExists(atPath: share + "/c1"))
        #expect(FileManager.default.fileExists(atPath: victim + "/file"))
    }
}
