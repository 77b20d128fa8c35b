import Agent
import Foundation
import Host
import KataConfig
import KataCore
import Logging
import Runtime
import Testing
import VirtualMachine

@testable import Shim

/// The shim's first Create plans the VM with the launch planner (configuration, annotations, the
/// injected host) and hands exactly that plan to the backend and the dialer.
@Suite struct LaunchPlanTests {
    @Test func theFirstCreateLaunchesThePlannedVM() async throws {
        try await withHarness { harness in
            try await harness.create("c1")
            let vm = try #require(harness.backend.lastLaunched)
            let vmDirectory = harness.root + "/sbs/c1/vm"
            #expect(vm.sandboxID == "c1")
            #expect(vm.runDirectory == vmDirectory)
            #expect(vm.kernel == "/fake/vmlinux" && vm.initrd == "/fake/initrd")
            // `accelerator = auto` on the harness's empty host (no KVM): TCG, decided by the planner.
            #expect(vm.accelerator == .tcg)
            #expect(
                vm.shares == [
                    SharedDirectory(hostPath: harness.root + "/shared/c1/shared", tag: "kataShared")
                ])
            let channel = AgentChannel.virtioSerial(socketPath: vmDirectory + "/agent.sock")
            #expect(vm.agentChannel == channel)
            #expect(harness.backend.dialedChannels.withLock { $0 } == [channel])
            // The agent mounts the plan's share.
            let storages = harness.backend.agent.sandboxRequests.map(\.storages)
            #expect(
                storages == [
                    [
                        .virtio9p(
                            tag: "kataShared", mountPoint: SandboxPaths.guestSharedMount,
                            msize: UInt32(KataConfiguration().hypervisor.msize9p))
                    ]
                ])
        }
    }

    /// The pod sandbox id from the CRI annotation names the VM and its paths.
    @Test func thePodSandboxIDNamesTheVM() async throws {
        try await withHarness { harness in
            try await harness.create("c1", annotations: [PodAnnotations.sandboxIDKey: "pod1"])
            #expect(harness.backend.lastLaunched?.sandboxID == "pod1")
            #expect(harness.backend.lastLaunched?.runDirectory == harness.root + "/sbs/pod1/vm")
        }
    }

    /// A plan without a guest share (`shared_fs = "none"`) gives the agent no 9p storage.
    @Test func noGuestShareMeansNoStorage() async throws {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID().uuidString)")
            .path
        defer { _ = removeTree(root) }
        let paths = SandboxPaths(sandboxID: "sb1", stateRoot: root + "/sbs", sharedRoot: root + "/shared")
        let vm = VirtualMachineDescription(
            sandboxID: "sb1", runDirectory: paths.vmDirectory, hypervisorPath: "/nonexistent/qemu",
            accelerator: .tcg, cpuModel: "max", vcpus: 1, memoryMiB: 256, kernel: "/fake/vmlinux",
            initrd: "/fake/initrd", kernelCommandLine: "console=ttyS0",
            agentChannel: .vsock(guestCID: 3, port: AgentChannel.agentVsockPort))
        let backend = FakeBackend()
        let sandbox = try await Sandbox.create(
            plan: LaunchPlan(vm: vm, guestShare: nil, measurement: nil), configuration: KataConfiguration(),
            paths: paths, dialer: backend.dialer, backend: backend, logger: Logger(label: "test.plan"))
        #expect(backend.agent.sandboxRequests.map(\.storages) == [[]])
        #expect(backend.dialedChannels.withLock { $0 } == [.vsock(guestCID: 3, port: 1024)])
        await sandbox.stop()
        #expect(!FileManager.default.fileExists(atPath: paths.stateDirectory))
    }

    /// A plan made for one sandbox's paths is not launched under another's.
    @Test func aPlanForOtherPathsIsRefused() async throws {
        let paths = SandboxPaths(
            sandboxID: "sb2", stateRoot: "/nonexistent/sbs", sharedRoot: "/nonexistent/shared")
        let vm = VirtualMachineDescription(
            sandboxID: "sb1", runDirectory: "/nonexistent/sbs/sb1/vm", hypervisorPath: "/nonexistent/qemu",
            accelerator: .tcg, cpuModel: "max", vcpus: 1, memoryMiB: 256, kernel: "/k", initrd: nil,
            kernelCommandLine: "", agentChannel: .virtioSerial(socketPath: "/nonexistent/agent.sock"))
        let backend = FakeBackend()
        let failure = await errorCode {
            _ = try await Sandbox.create(
                plan: LaunchPlan(vm: vm, guestShare: nil, measurement: nil),
                configuration: KataConfiguration(),
                paths: paths, dialer: backend.dialer, backend: backend, logger: Logger(label: "test.plan"))
        }
        #expect(failure?.0 == .invalidArgument)
        #expect(backend.launches.value == 0)
    }
}
