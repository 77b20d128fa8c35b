import GuestAgent
import KataCore
import OCI
import Protocols
import SwiftProtobuf
import TTRPC
import Testing

@testable import KataAgentService

#if canImport(Glibc)
    import Glibc
#endif

/// The guest service's pure parts, on the host (no mounts, no crun).
@Suite struct AgentServiceUnitTests {
    @Test func storageOptionsSplitIntoFlagsAndData() throws {
        let mount = try StorageMount(
            driver: "9p", source: "kataShared", fsType: "",
            options: ["trans=virtio", "version=9p2000.L", "msize=524288", "nodev", "ro", "rw"],
            mountPoint: "/run/kata-containers/shared/containers")
        #expect(mount.type == "9p")
        #expect(mount.flags == UInt(MS_NODEV) | UInt(MS_RDONLY))
        #expect(mount.data == "trans=virtio,version=9p2000.L,msize=524288")
        #expect(
            try StorageMount(
                driver: "virtio-fs", source: "tag", fsType: "", options: [],
                mountPoint: "/run/kata-containers/m"
            )
            .type == "virtiofs")
    }

    @Test func unknownDriversAndBadMountPointsAreRefused() {
        #expect(throws: KataError.self) {
            try StorageMount(driver: "nvdimm", source: "x", fsType: "", options: [], mountPoint: "/m")
        }
        #expect(throws: KataError.self) {
            try StorageMount(driver: "9p", source: "x", fsType: "", options: [], mountPoint: "/run/../etc")
        }
        #expect(throws: KataError.self) {
            try StorageMount(driver: "9p", source: "x", fsType: "", options: [], mountPoint: "relative")
        }
    }

    @Test func containerSpecGetsGuestRootAndPlainCgroup() {
        let service = AgentService(reaper: ChildReaper(mode: .trackedOnly))
        let relative = service.guestSpec(id: "c1", Spec(root: Root(path: "rootfs", readonly: true)))
        #expect(
            relative.root == Root(path: "/run/kata-containers/shared/containers/c1/rootfs", readonly: true))
        #expect(relative.linux?.cgroupsPath == "/kata/c1")
        let absolute = service.guestSpec(
            id: "c2",
            Spec(root: Root(path: "/run/x/rootfs"), linux: Linux(cgroupsPath: "system.slice:kata:c2")))
        #expect(absolute.root?.path == "/run/x/rootfs")
        #expect(absolute.linux?.cgroupsPath == "/kata/c2", "a systemd-style path becomes a plain one")
        let kept = service.guestSpec(id: "c3", Spec(linux: Linux(cgroupsPath: "/pods/c3")))
        #expect(kept.root?.path == "/run/kata-containers/shared/containers/c3/rootfs")
        #expect(kept.linux?.cgroupsPath == "/pods/c3")
    }

    @Test func channelIsFoundByPortName() throws {
        var template = Array("/tmp/kata-agent-sys-XXXXXX".utf8CString)
        let root = String(cString: try #require(mkdtemp(&template)))
        defer { _ = try? runRemove(root) }
        #expect(AgentChannel.find(sysRoot: root, devRoot: root + "/dev") == nil)
        for (port, name) in [("vport0p1", "org.qemu.guest_agent.0"), ("vport0p2", "agent.channel.0")] {
            try makeDirectories("\(root)/class/virtio-ports/\(port)")
            let file = root + "/class/virtio-ports/\(port)/name"
            close(open(file, O_WRONLY | O_CREAT, 0o644))
            try writeText(file, name + "\n")
        }
        #expect(AgentChannel.find(sysRoot: root, devRoot: "/dev") == .serialPort(devicePath: "/dev/vport0p2"))
    }

    /// Every AgentService method this agent does not implement answers Unimplemented, over a
    /// real ttrpc connection (socketpair), and the implemented ones are registered.
    @Test func unregisteredMethodsAnswerUnimplemented() async throws {
        let server = TTRPCServer(services: AgentService(reaper: ChildReaper(mode: .trackedOnly)).services())
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        let serving = try await server.serve(connectedSocket: fds[0])
        let client = try await TTRPCClient.adopt(connectedSocket: fds[1])
        let notImplemented = [
            "UpdateEphemeralMounts", "RemoveStaleVirtiofsShareMounts",
            "ListInterfaces", "ListRoutes", "GetIPTables", "SetIPTables",
            "MemHotplugByProbe",
            "AddSwap", "GetVolumeStats", "ResizeVolume", "SetPolicy",
        ]
        #expect(
            Set(Grpc_AgentServiceMethods.methodNames).subtracting(notImplemented).count == 28,
            "the issue's list of implemented AgentService methods, ListProcesses and the three network ones")
        for method in notImplemented {
            await #expect {
                _ = try await client.call(
                    service: Grpc_AgentServiceMethods.serviceName, method: method,
                    request: Google_Protobuf_Empty(),
                    responseType: Google_Protobuf_Empty.self)
            } throws: { ($0 as? TTRPCError)?.code == .unimplemented }
        }
        let health = try await client.call(Grpc_HealthMethods.check.descriptor, Grpc_CheckRequest())
        #expect(health.status == .serving)
        // A registered method answers (here: not found), not Unimplemented.
        await #expect {
            _ = try await client.call(
                Grpc_AgentServiceMethods.waitProcess.descriptor, .with { $0.containerID = "none" })
        } throws: { ($0 as? TTRPCError)?.code == .notFound }
        await client.close()
        await serving.close()
        await server.shutdown()
    }
}

func runRemove(_ path: String) throws {
    var info = stat()
    guard lstat(path, &info) == 0 else { return }
    if (info.st_mode & S_IFMT) == S_IFDIR {
        for name in listDirectory(path) { try runRemove("\(path)/\(name)") }
        rmdir(path)
    } else {
        unlink(path)
    }
}

extension RPCMethod {
    var descriptor: TTRPCMethod<Request, Response> { TTRPCMethod(service, method) }
}
