import OCI
import OCIProtobuf
import Protocols
import Testing

@Suite struct RoundTripTests {
    /// A spec using every field the wire format carries, with non-zero values.
    static let fullSpec = Spec(
        ociVersion: "1.1.0",
        process: Process(
            terminal: true, consoleSize: Box(height: 24, width: 80),
            user: User(uid: 1000, gid: 1001, additionalGids: [5, 6], username: "app"),
            args: ["/bin/sh", "-c", "echo hi"], env: ["PATH=/bin", "A=b"], cwd: "/work",
            capabilities: Capabilities(
                bounding: ["CAP_KILL"], effective: ["CAP_CHOWN"], inheritable: ["CAP_NET_RAW"],
                permitted: ["CAP_KILL", "CAP_CHOWN"], ambient: ["CAP_SYS_TIME"]),
            rlimits: [Rlimit(type: "RLIMIT_NOFILE", hard: 1024, soft: 512)], noNewPrivileges: true,
            apparmorProfile: "profile", oomScoreAdj: -500, selinuxLabel: "label"),
        root: Root(path: "/run/kata-containers/shared/containers/c1/rootfs", readonly: true),
        hostname: "box",
        mounts: [
            Mount(destination: "/proc", type: "proc", source: "proc", options: ["nosuid"]),
            Mount(destination: "/data", type: "bind", source: "/src", options: ["rbind", "ro"]),
        ],
        hooks: Hooks(
            prestart: [Hook(path: "/hook", args: ["a"], env: ["E=1"], timeout: 5)],
            poststart: [Hook(path: "/post")], poststop: [Hook(path: "/stop", timeout: 1)]),
        annotations: ["io.katacontainers.x": "y"],
        linux: Linux(
            uidMappings: [IDMapping(containerID: 0, hostID: 100_000, size: 65536)],
            gidMappings: [IDMapping(containerID: 1, hostID: 200_000, size: 10)],
            sysctl: ["net.ipv4.ip_forward": "1"],
            resources: Resources(
                devices: [
                    .init(allow: false, access: "rwm"),
                    .init(allow: true, type: "c", major: 1, minor: 3, access: "rw"),
                ],
                memory: .init(
                    limit: 1 << 28, reservation: 1 << 20, swap: 1 << 29, swappiness: 10,
                    disableOOMKiller: true),
                cpu: .init(shares: 1024, quota: 50000, period: 100_000, cpus: "0-1", mems: "0"),
                pids: .init(limit: 64)),
            cgroupsPath: "/kata/c1",
            namespaces: [Namespace(type: "pid"), Namespace(type: "network", path: "/proc/1/ns/net")],
            devices: [
                Device(type: "c", path: "/dev/fuse", major: 10, minor: 229, fileMode: 0o666, uid: 1, gid: 2)
            ],
            seccomp: Seccomp(
                defaultAction: "SCMP_ACT_ERRNO", architectures: ["SCMP_ARCH_X86_64"],
                flags: ["SECCOMP_FILTER_FLAG_LOG"],
                syscalls: [
                    Syscall(names: ["read", "write"], action: "SCMP_ACT_ALLOW"),
                    Syscall(
                        names: ["personality"], action: "SCMP_ACT_ERRNO", errnoRet: 1,
                        args: [SyscallArg(index: 0, value: 8, valueTwo: 9, op: "SCMP_CMP_EQ")]),
                ]),
            rootfsPropagation: "rslave", maskedPaths: ["/proc/kcore"], readonlyPaths: ["/proc/sys"],
            mountLabel: "mlabel"))

    @Test func specSurvivesTheWireAndBack() throws {
        let wire = Grpc_Spec(Self.fullSpec)
        // Through the bytes too, as the agent sees it.
        let decoded = try Grpc_Spec(serializedBytes: try wire.serializedBytes() as [UInt8])
        #expect(Spec(decoded) == Self.fullSpec)
    }

    @Test func wireSpecSurvivesRuntimeSpecAndBack() {
        let wire = Grpc_Spec(Self.fullSpec)
        #expect(Grpc_Spec(Spec(wire)) == wire)
        #expect(wire.process.oomscoreAdj == -500)
        #expect(wire.linux.resources.devices[0].major == -1, "a wildcard major travels as -1")
        #expect(wire.linux.seccomp.syscalls[1].errnoret == 1)
    }

    @Test func absentAndZeroValuesMeanTheSameOnTheWire() {
        let minimal = Spec(process: Process(args: ["/bin/true"]), root: Root(path: "rootfs"))
        let back = Spec(Grpc_Spec(minimal))
        #expect(back == minimal)
        #expect(back.linux == nil && back.hooks == nil && back.mounts == nil)
        // The wire cannot say "readonly: false" apart from absent.
        let explicit = Spec(root: Root(path: "r", readonly: false))
        #expect(Spec(Grpc_Spec(explicit)).root == Root(path: "r", readonly: nil))
    }

    @Test func processAndResourcesRoundTripAlone() {
        let process = Self.fullSpec.process!
        #expect(Process(Grpc_Process(process)) == process)
        let resources = Self.fullSpec.linux!.resources!
        #expect(Resources(Grpc_LinuxResources(resources)) == resources)
    }

    @Test func fieldsTheWireLacksAreDropped() {
        var process = Process(args: ["/bin/true"])
        process.user.umask = 0o22
        #expect(Process(Grpc_Process(process)).user.umask == nil)
        let hooks = Hooks(createRuntime: [Hook(path: "/x")])
        #expect(Hooks(Grpc_Hooks(hooks)).createRuntime == nil)
    }
}
