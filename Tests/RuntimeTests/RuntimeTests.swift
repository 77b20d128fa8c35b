import Foundation
import OCI
import Testing

@testable import Runtime

@Suite struct GuestSpecTests {
    @Test func guestSpecPointsAtTheShareAndDropsHostOnlyParts() {
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
        let guest = spec.forGuest(
            containerID: "c1", guestRootfs: "/run/kata-containers/shared/containers/c1/rootfs")
        #expect(guest.root == Root(path: "/run/kata-containers/shared/containers/c1/rootfs", readonly: true))
        #expect(guest.mounts?.map(\.destination) == ["/proc", "/dev/shm"])
        #expect(guest.hooks == nil)
        #expect(guest.linux?.namespaces == [Namespace(type: "pid"), Namespace(type: "network")])
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
        try RootfsMount(type: "bind", source: base + "/src", options: ["rbind", "ro"]).mount(
            at: base + "/dst")
        #expect(try String(contentsOfFile: base + "/dst/file", encoding: .utf8) == "hello")
        #expect(!FileManager.default.createFile(atPath: base + "/dst/new", contents: Data()))
        try RootfsMount.unmount(base + "/dst")
        try RootfsMount.unmount(base + "/dst")
        #expect(!FileManager.default.fileExists(atPath: base + "/dst/file"))
    }

    @Test func failedMountSaysWhat() {
        #expect {
            try RootfsMount(type: "bind", source: "/nonexistent-\(UUID())", options: []).mount(
                at: FileManager.default.temporaryDirectory.appendingPathComponent("m-\(UUID())").path)
        } throws: { error in
            "\(error)".contains("mount bind")
        }
    }
}
