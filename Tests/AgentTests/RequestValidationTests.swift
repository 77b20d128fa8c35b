import Foundation
import GuestAgent
import KataCore
import Protocols
import SwiftProtobuf
import TTRPC
import Testing

@testable import KataAgentService

#if canImport(Glibc)
    import Glibc
#endif

/// Every request is checked before the agent acts on it; a bad value is InvalidArgument
/// naming the field. Pure functions: no guest needed.
@Suite struct RequestValidationTests {
    let paths = GuestPaths()
    static let badIDs = [
        "", "../etc", "a/b", "-rf", "a..b", ".hidden", "x\u{0}y", "ü", String(repeating: "a", count: 77),
    ]

    func refusal(
        _ request: some ValidatedRequest, field: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectRefusal(request, field: field, paths: paths, sourceLocation: sourceLocation)
    }

    @Test(arguments: badIDs) func badContainerIDsAreRefusedEverywhere(_ id: String) {
        refusal(Grpc_StartContainerRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_RemoveContainerRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_PauseContainerRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_ResumeContainerRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_StatsContainerRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_UpdateContainerRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_WaitProcessRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_WriteStreamRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_ReadStreamRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_CloseStdinRequest.with { $0.containerID = id }, field: "container_id")
        refusal(Grpc_TtyWinResizeRequest.with { $0.containerID = id }, field: "container_id")
        refusal(
            Grpc_SignalProcessRequest.with {
                $0.containerID = id
                $0.signal = 9
            }, field: "container_id")
        refusal(
            Grpc_CreateContainerRequest.with {
                $0.containerID = id
                $0.oci = Grpc_Spec()
            }, field: "container_id")
        refusal(
            Grpc_ExecProcessRequest.with {
                $0.containerID = id
                $0.execID = "e1"
                $0.process = Grpc_Process()
            }, field: "container_id")
        refusal(Grpc_CreateSandboxRequest.with { $0.sandboxID = id }, field: "sandbox_id")
    }

    @Test(arguments: badIDs.filter { !$0.isEmpty }) func badExecIDsAreRefused(_ execID: String) {
        refusal(
            Grpc_WaitProcessRequest.with {
                $0.containerID = "c1"
                $0.execID = execID
            }, field: "exec_id")
        refusal(
            Grpc_WriteStreamRequest.with {
                $0.containerID = "c1"
                $0.execID = execID
            }, field: "exec_id")
        refusal(
            Grpc_ExecProcessRequest.with {
                $0.containerID = "c1"
                $0.execID = execID
                $0.process = Grpc_Process()
            }, field: "exec_id")
    }

    @Test func goodRequestsPass() throws {
        try Grpc_WaitProcessRequest.with { $0.containerID = "c1" }.validate(paths)  // init process
        try Grpc_ExecProcessRequest.with {
            $0.containerID = "pod-1_a.b"
            $0.execID = "exec-2"
            $0.process = Grpc_Process()
        }.validate(paths)
        try Grpc_CreateSandboxRequest.with {
            $0.sandboxID = "sandbox-1"
            $0.hostname = "kata"
            $0.storages = [
                .with {
                    $0.driver = "9p"
                    $0.source = "kataShared"
                    $0.fstype = "9p"
                    $0.options = ["trans=virtio"]
                    $0.mountPoint = "/run/kata-containers/shared/containers"
                }
            ]
        }.validate(paths)
        try Grpc_CreateContainerRequest.with {
            $0.containerID = "c1"
            $0.oci = .with {
                $0.root.path = "rootfs"
                $0.linux.cgroupsPath = "system.slice:kata:c1"
            }
        }.validate(paths)
        try Grpc_CopyFileRequest.with {
            $0.path = "/run/kata-containers/shared/containers/c1/hosts"
            $0.offset = 10
            $0.data = Data([1, 2])
        }.validate(paths)
    }

    @Test func signalsOutsideOneToSixtyFourAreRefused() throws {
        for signal: UInt32 in [0, 65, 1000, .max] {
            refusal(
                Grpc_SignalProcessRequest.with {
                    $0.containerID = "c1"
                    $0.signal = signal
                }, field: "signal")
        }
        for signal: UInt32 in [1, 9, 15, 64] {
            try Grpc_SignalProcessRequest.with {
                $0.containerID = "c1"
                $0.signal = signal
            }.validate(paths)
        }
    }

    @Test func containerPathsStayBelowTheirRoots() {
        func create(root: String = "rootfs", cgroups: String = "") -> Grpc_CreateContainerRequest {
            .with {
                $0.containerID = "c1"
                $0.oci = .with {
                    $0.root.path = root
                    $0.linux.cgroupsPath = cgroups
                }
            }
        }
        refusal(create(root: "../../../../"), field: "OCI.root.path")
        refusal(create(root: "/"), field: "OCI.root.path")
        refusal(create(root: "/run/kata-containers/../../usr"), field: "OCI.root.path")
        refusal(create(root: "rootfs\u{0}x"), field: "OCI.root.path")
        refusal(create(cgroups: "/../../sys"), field: "OCI.linux.cgroups_path")
        refusal(Grpc_CreateContainerRequest.with { $0.containerID = "c1" }, field: "OCI")
    }

    /// Spec mounts from the host: destinations absolute without "..", bind sources only below
    /// the storage root; an ephemeral (pod tmpfs) storage only below its sandbox directory.
    @Test func specMountsAndEphemeralStoragesStayWhereTheyBelong() throws {
        func create(_ mount: Grpc_Mount, storage: Grpc_Storage? = nil) -> Grpc_CreateContainerRequest {
            .with {
                $0.containerID = "c1"
                $0.oci = .with {
                    $0.root.path = "rootfs"
                    $0.mounts = [mount]
                }
                if let storage { $0.storages = [storage] }
            }
        }
        func bind(_ destination: String, _ source: String, type: String = "bind") -> Grpc_Mount {
            .with {
                $0.destination = destination
                $0.source = source
                $0.type = type
                $0.options = ["rbind", "ro"]
            }
        }
        refusal(
            create(bind("etc/hosts", "/run/kata-containers/volumes/c1/0")), field: "OCI.mounts[0].destination"
        )
        refusal(
            create(bind("/etc/../../x", "/run/kata-containers/volumes/c1/0")),
            field: "OCI.mounts[0].destination")
        refusal(create(bind("/etc/hosts", "/etc/shadow")), field: "OCI.mounts[0].source")
        refusal(
            create(bind("/data", "/run/kata-containers/../../etc", type: "none")),
            field: "OCI.mounts[0].source")
        try create(bind("/etc/hosts", "/run/kata-containers/shared/containers/c1/volumes/3")).validate(paths)
        try create(
            .with {
                $0.destination = "/proc"; $0.type = "proc"; $0.source = "proc"
            }
        ).validate(paths)
        let ephemeral = Grpc_Storage.with {
            $0.driver = "ephemeral"
            $0.source = "tmpfs"
            $0.fstype = "tmpfs"
            $0.options = ["size=1048576"]
            $0.mountPoint = "/run/kata-containers/sandbox/ephemeral/cache"
        }
        let cache = bind("/cache", "/run/kata-containers/sandbox/ephemeral/cache")
        try create(cache, storage: ephemeral).validate(paths)
        var outside = ephemeral
        outside.mountPoint = "/run/kata-containers/shared/containers/x"
        refusal(create(cache, storage: outside), field: "storages[0]")
        outside.mountPoint = "/run/kata-containers/sandbox"
        refusal(create(cache, storage: outside), field: "storages[0]")
    }

    @Test func storagesMountOnlyBelowTheStorageRoot() {
        func sandbox(_ change: (inout Grpc_Storage) -> Void) -> Grpc_CreateSandboxRequest {
            var storage = Grpc_Storage.with {
                $0.driver = "9p"
                $0.source = "kataShared"
                $0.mountPoint = "/run/kata-containers/shared/containers"
            }
            change(&storage)
            return .with {
                $0.sandboxID = "s1"
                $0.storages = [storage]
            }
        }
        refusal(sandbox { $0.mountPoint = "/usr/bin" }, field: "storages[0]")
        refusal(sandbox { $0.mountPoint = "/run/kata-containers/../../usr/bin" }, field: "storages[0]")
        refusal(sandbox { $0.mountPoint = "/run/kata-containers" }, field: "storages[0]")
        refusal(sandbox { $0.fstype = "proc" }, field: "storages[0]")
        refusal(sandbox { $0.source = "" }, field: "storages[0]")
        refusal(sandbox { $0.options = [String(repeating: "o", count: 5000)] }, field: "storages[0]")
        refusal(
            sandbox {
                $0.driver = "bind"
                $0.source = "/etc"
            }, field: "storages[0]")
        refusal(
            Grpc_CreateSandboxRequest.with {
                $0.sandboxID = "s1"; $0.hostname = String(repeating: "h", count: 65)
            }, field: "hostname")
        refusal(
            Grpc_CreateSandboxRequest.with {
                $0.sandboxID = "s1"
                $0.dns = ["nameserver 10.0.0.1\nnameserver 10.6.6.6"]
            }, field: "dns[0]")
        refusal(
            Grpc_CreateSandboxRequest.with {
                $0.sandboxID = "s1"
                $0.dns = Array(repeating: "search a", count: 65)
            }, field: "dns")
    }

    @Test func copyFileOffsetsAndPaths() {
        func copy(_ change: (inout Grpc_CopyFileRequest) -> Void) -> Grpc_CopyFileRequest {
            var request = Grpc_CopyFileRequest.with { $0.path = "/run/kata-containers/f" }
            change(&request)
            return request
        }
        refusal(copy { $0.path = "/etc/passwd" }, field: "path")
        refusal(copy { $0.path = "/run/kata-containers/a/../../../etc/passwd" }, field: "path")
        refusal(copy { $0.offset = -1 }, field: "offset")
        refusal(copy { $0.fileSize = -1 }, field: "file_size")
        refusal(
            copy {
                $0.offset = .max
                $0.data = Data([1])
            }, field: "offset")
        refusal(Grpc_SetGuestDateTimeRequest.with { $0.usec = 1_000_000 }, field: "usec")
        refusal(Grpc_SetGuestDateTimeRequest.with { $0.usec = -1 }, field: "usec")
        refusal(Grpc_ReseedRandomDevRequest(), field: "data")
    }

    /// The fuzzers' entry: the server's own decode-and-validate step for every method it serves.
    @Test func everyServedMethodHasItsValidator() throws {
        let validators = AgentService(reaper: ChildReaper(mode: .trackedOnly)).requestValidators()
        #expect(
            validators.count == 28 + 2,
            "28 AgentService methods (with ListProcesses and the network ones) and Health's two")
        let signal = try #require(validators["grpc.AgentService/SignalProcess"])
        let bad: [UInt8] = try Grpc_SignalProcessRequest.with {
            $0.containerID = "c1"
            $0.signal = 99
        }.serializedBytes()
        #expect(throws: KataError.self) { try signal(bad) }
        #expect(throws: (any Error).self, "undecodable bytes") { try signal([0xFF, 0xFF, 0xFF]) }
        let check = try #require(validators["grpc.Health/Check"])
        try check([])
    }

    /// Over a real ttrpc connection the refusal arrives as gRPC InvalidArgument.
    @Test func aBadIDIsInvalidArgumentOnTheWire() async throws {
        let server = TTRPCServer(services: AgentService(reaper: ChildReaper(mode: .trackedOnly)).services())
        var fds: [Int32] = [0, 0]
        #expect(socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0, &fds) == 0)
        let serving = try await server.serve(connectedSocket: fds[0])
        let client = try await TTRPCClient.adopt(connectedSocket: fds[1])
        await #expect {
            _ = try await client.call(
                Grpc_AgentServiceMethods.signalProcess.descriptor,
                .with {
                    $0.containerID = "../../etc"
                    $0.signal = 9
                })
        } throws: { ($0 as? TTRPCError)?.code == .invalidArgument && "\($0)".contains("container_id") }
        await #expect {
            _ = try await client.call(
                Grpc_AgentServiceMethods.signalProcess.descriptor,
                .with {
                    $0.containerID = "c1"
                    $0.signal = 0
                })
        } throws: { ($0 as? TTRPCError)?.code == .invalidArgument }
        await client.close()
        await serving.close()
        await server.shutdown()
    }
}
