import AgentVMSupport
import KataCore
import OCI
import Protocols
import TTRPC
import Testing

@testable import Agent

#if canImport(Glibc)
    import Glibc
#endif

/// The guest-wide RPCs, against the real agent in a booted guest.
@Suite(.sharedGuest) struct GuestServicesTests {
    @Test func healthVersionDetailsMetrics() async throws {
        let vm = try guest()
        #expect(try await vm.agent.check())
        let version = try await vm.agent.version()
        #expect(!version.agentVersion.isEmpty && !version.grpcVersion.isEmpty)
        let details = try await vm.agent.getGuestDetails()
        #expect(details.agentVersion == version.agentVersion)
        #expect(details.memoryBlockSizeBytes > 0 && details.memoryBlockSizeBytes % 4096 == 0)
        let metrics = try await vm.agent.getMetrics()
        #expect(metrics.contains("kata_guest_meminfo{item=\"MemTotal\"}"))
        #expect(metrics.contains("kata_guest_load{window=\"1m\"}"))
    }

    @Test func methodsNotImplementedAnswerUnimplemented() async throws {
        let vm = try guest()
        await #expect {
            _ = try await vm.agent.client.call(
                service: "grpc.AgentService", method: "ListInterfaces", request: Grpc_ListInterfacesRequest(),
                responseType: Grpc_Interfaces.self)
        } throws: { ($0 as? TTRPCError)?.code == .unimplemented }
    }

    @Test func copyFileLandsOnTheShare() async throws {
        let vm = try guest()
        let name = uniqueID("copied")
        let contents = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 7) }  // 3 chunks
        try await vm.agent.copyFile(
            GuestFile(
                path: "/run/kata-containers/shared/containers/\(name)/file", contents: contents, mode: 0o600))
        let hostPath = "\(vm.shareDirectory)/\(name)/file"
        var info = stat()
        #expect(stat(hostPath, &info) == 0)
        #expect(Int(info.st_size) == contents.count)
        #expect(info.st_mode & 0o777 == 0o600)
        await #expect(throws: KataError.self) {
            try await vm.agent.copyFile(GuestFile(path: "/etc/passwd", contents: [1]))
        }
    }

    @Test func clockEntropyAndHotplugRequests() async throws {
        let vm = try guest()
        try await vm.agent.setGuestDateTime(seconds: 1_900_000_000, microseconds: 5)
        try await vm.agent.reseedRandomDevice(data: (0..<64).map { UInt8($0) })
        try await vm.agent.onlineCPUMem(cpus: 0, cpuOnly: false)
        await #expect(throws: KataError.self) {
            try await vm.agent.setGuestDateTime(seconds: 0, microseconds: 2_000_000)
        }
    }

    @Test func oomEventNamesTheKilledContainer() async throws {
        let vm = try guest(), id = uniqueID("oom")
        try vm.prepareBusyboxRootfs(containerID: id)
        var spec = BusyboxRootfs.spec(args: ["/bin/sh", "-c", "x=a; while true; do x=$x$x; done"])
        spec.linux?.resources = Resources(memory: .init(limit: 16 << 20))
        async let event = vm.agent.getOOMEvent()
        try await vm.agent.createContainer(ContainerRequest(id: id, spec: spec))
        try await vm.agent.startContainer(id: id)
        #expect(try await event == id)
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "") == 137)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    /// Nobody asked while the container was killed, exited and was removed with its cgroup:
    /// the kill is still reported (the exit checked memory.events before answering).
    @Test func anOOMKillOutlivesItsContainersRemoval() async throws {
        let vm = try guest(), id = uniqueID("oomgone")
        try vm.prepareBusyboxRootfs(containerID: id)
        var spec = BusyboxRootfs.spec(args: ["/bin/sh", "-c", "x=a; while true; do x=$x$x; done"])
        spec.linux?.resources = Resources(memory: .init(limit: 16 << 20))
        try await vm.agent.createContainer(ContainerRequest(id: id, spec: spec))
        try await vm.agent.startContainer(id: id)
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "") == 137)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
        let event = Task { try await vm.agent.getOOMEvent() }
        let timeout = Task {
            try await Task.sleep(for: .seconds(5))
            event.cancel()
        }
        #expect(try await event.value == id)
        timeout.cancel()
    }
}
