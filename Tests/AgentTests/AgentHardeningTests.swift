import AgentVMSupport
import KataCore
import OCI
import Protocols
import TTRPC
import Testing

@testable import Agent
@testable import KataAgentService

#if canImport(Glibc)
    import Glibc
#endif

/// A hostile host against the real agent in a booted guest: bad ids, a stdin nobody reads,
/// thousands of execs, symlinks planted in the share. Serialized: the descriptor count must
/// not see another test's processes.
@Suite(.sharedGuest, .serialized) struct AgentHardeningTests {
    @Test func badIDsAreInvalidArgumentBeforeAnythingRuns() async throws {
        let vm = try guest()
        for id in ["../../etc", "-rf", "a/b", ""] {
            await #expect {
                try await vm.agent.startContainer(id: id)
            } throws: { ($0 as? KataError)?.code == .invalidArgument && "\($0)".contains("container_id") }
        }
        await #expect {
            try await vm.agent.signalProcess(containerID: "c1", execID: "../x", signal: 9)
        } throws: { ($0 as? KataError)?.code == .invalidArgument && "\($0)".contains("exec_id") }
        await #expect {
            _ = try await vm.agent.client.call(
                Grpc_AgentServiceMethods.signalProcess.descriptor,
                .with {
                    $0.containerID = "c1"
                    $0.signal = 65
                })
        } throws: { ($0 as? TTRPCError)?.code == .invalidArgument }
        #expect(try await vm.agent.check())
    }

    /// 8 MiB for the stdin of `sleep 600`, which never reads it: the pipe takes what fits and
    /// the next write waits in a task, while every other RPC still answers within 1 s. Killing
    /// the process ends the waiting write.
    @Test func stdinNobodyReadsNeverBlocksTheAgent() async throws {
        let vm = try guest(), id = uniqueID("stdin")
        try await vm.runContainer(id: id, args: ["/bin/sleep", "600"])
        let total = 8 << 20
        let writer = Task { () -> (accepted: Int, error: (any Error)?) in
            var accepted = 0
            let chunk = [UInt8](repeating: 0x61, count: 1 << 20)
            while accepted < total {
                do {
                    accepted += try await vm.agent.writeStdin(
                        containerID: id, execID: "", data: Array(chunk.prefix(total - accepted)))
                } catch {
                    return (accepted, error)
                }
            }
            return (accepted, nil)
        }
        try await Task.sleep(for: .seconds(1))  // by now the pipe is full and a write waits
        var slowest: [String: Duration] = [:]
        func timed(_ name: String, _ call: () async throws -> Void) async throws {
            let started = ContinuousClock.now
            try await call()
            slowest[name] = max(slowest[name] ?? .zero, ContinuousClock.now - started)
        }
        for _ in 0..<10 {
            try await timed("Health.Check") {
                let serving = try await vm.agent.check()
                #expect(serving)
            }
            try await timed("StatsContainer") { _ = try await vm.agent.statsContainer(id: id) }
            try await timed("GetMetrics") { _ = try await vm.agent.getMetrics() }
            try await timed("Health.Version") { _ = try await vm.agent.version() }
        }
        print("agent latency while a stdin write waits (slowest of 10):", slowest.sorted { $0.key < $1.key })
        for (name, latency) in slowest { #expect(latency < .seconds(1), "\(name) took \(latency)") }
        try await vm.agent.signalProcess(containerID: id, execID: "", signal: 9)
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "") == 137)
        let result = await writer.value
        print("stdin of sleep 600 took \(result.accepted) of \(total) bytes")
        #expect(result.accepted > 0 && result.accepted < total)
        #expect(
            (result.error as? KataError)?.code == .failedPrecondition,
            "the waiting write ends when the process exits: \(String(describing: result.error))")
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    /// Short writes lose nothing: 4 MiB through `cat` come back byte for byte.
    @Test func stdinThroughShortWritesArrivesInFull() async throws {
        let vm = try guest(), id = uniqueID("cat")
        try await vm.runContainer(id: id, args: ["/bin/sleep", "600"])
        try await vm.agent.execProcess(containerID: id, execID: "cat", process: Process(args: ["/bin/cat"]))
        let data = (0..<(4 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 131 &+ ($0 >> 16)) }
        let reader = Task { () -> [UInt8] in
            var all: [UInt8] = []
            while let chunk = try await vm.agent.readStdout(containerID: id, execID: "cat", maxBytes: 1 << 20)
            {
                all += chunk
            }
            return all
        }
        var offset = 0, calls = 0
        while offset < data.count {
            let n = try await vm.agent.writeStdin(
                containerID: id, execID: "cat",
                data: Array(data[offset..<min(offset + (1 << 20), data.count)]))
            #expect(n > 0)
            offset += n
            calls += 1
        }
        try await vm.agent.closeStdin(containerID: id, execID: "cat")
        let echoed = try await reader.value
        #expect(echoed.count == data.count)
        #expect(echoed == data)
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "cat") == 0)
        print("4 MiB through cat's stdin in \(calls) WriteStdin calls")
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    /// 2,000 execs in one container (pipes, a terminal every 50th, stdin written and closed
    /// every 50th): afterwards the agent holds exactly the descriptors it held before, and no
    /// exec record is left.
    @Test func twoThousandExecsLeaveNoDescriptorBehind() async throws {
        let vm = try guest(), id = uniqueID("fds")
        try await vm.runContainer(id: id, args: ["/bin/sleep", "100000"])
        // One of each kind first, so anything opened once and kept (crun's state directory,
        // the agent's own lazily opened files) is already counted in `before`.
        for index in 0..<3 { try await exec(vm, id, index: index, kind: index) }
        let before = try await agentFigures(vm)
        let started = ContinuousClock.now
        let count = 2000, parallel = 4
        for batch in stride(from: 0, to: count, by: parallel) {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for index in batch..<min(batch + parallel, count) {
                    group.addTask {
                        try await exec(
                            vm, id, index: index + 3, kind: index % 50 == 0 ? 1 : index % 50 == 25 ? 2 : 0)
                    }
                }
                try await group.waitForAll()
            }
        }
        let elapsed = ContinuousClock.now - started
        // Output pipes close when their draining threads read EOF, a moment after the exit.
        var after = try await agentFigures(vm)
        let deadline = ContinuousClock.now + .seconds(20)
        while after != before && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(200))
            after = try await agentFigures(vm)
        }
        print(
            "agent descriptors before/after \(count) execs: \(before.fds)/\(after.fds); exec records \(before.records)/\(after.records); \(elapsed)"
        )
        #expect(after.fds == before.fds)
        #expect(after.records == 0 && before.records == 0)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    /// kind 0: `true`; 1: `true` on a terminal; 2: `cat` whose stdin is written and closed.
    private func exec(_ vm: AgentVM, _ id: String, index: Int, kind: Int) async throws {
        let execID = "e\(index)"
        switch kind {
        case 1:
            try await vm.agent.execProcess(
                containerID: id, execID: execID,
                process: Process(terminal: true, args: ["/bin/true"], env: ["PATH=/bin"]))
            _ = try await vm.readAll(containerID: id, execID: execID)
        case 2:
            try await vm.agent.execProcess(
                containerID: id, execID: execID, process: Process(args: ["/bin/cat"]))
            #expect(
                try await vm.agent.writeStdin(containerID: id, execID: execID, data: Array("x\n".utf8)) == 2)
            try await vm.agent.closeStdin(containerID: id, execID: execID)
            #expect(try await vm.readAll(containerID: id, execID: execID) == "x\n")
        default:
            try await vm.agent.execProcess(
                containerID: id, execID: execID, process: Process(args: ["/bin/true"]))
        }
        #expect(try await vm.agent.waitProcess(containerID: id, execID: execID) == 0)
    }

    private func agentFigures(_ vm: AgentVM) async throws -> Figures {
        let text = try await vm.agent.getMetrics()
        func value(_ name: String) throws -> Int {
            let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
            guard let line, let number = Int(line.dropFirst(name.count + 1)) else {
                throw KataError(.notFound, "metric \(name) missing from GetMetrics")
            }
            return number
        }
        return Figures(fds: try value("kata_agent_open_fds"), records: try value("kata_agent_exec_records"))
    }

    private struct Figures: Equatable {
        var fds: Int
        var records: Int
    }

    /// Ids of the longest length the rule allows still work, terminal included (the console
    /// socket path must fit sockaddr_un's 108 bytes).
    @Test func longestIDsWorkWithATerminal() async throws {
        let vm = try guest()
        let base = uniqueID("long")
        let id = base + String(repeating: "c", count: Identifier.maximumLength - base.count)
        let execID = String(repeating: "e", count: Identifier.maximumLength)
        #expect(id.count == Identifier.maximumLength)
        try await vm.runContainer(id: id, args: ["/bin/sleep", "600"])
        try await vm.agent.execProcess(
            containerID: id, execID: execID,
            process: Process(
                terminal: true, args: ["/bin/sh", "-c", "[ -t 0 ] && echo tty"], env: ["PATH=/bin"]))
        #expect(try await vm.readAll(containerID: id, execID: execID).contains("tty"))
        #expect(try await vm.agent.waitProcess(containerID: id, execID: execID) == 0)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    /// A rootfs the host replaced by a symlink to the guest's own root is refused (crun would
    /// follow it); a real rootfs under the same name then runs.
    @Test func aRootfsSymlinkedOutOfTheShareIsRefused() async throws {
        let vm = try guest(), id = uniqueID("rootlink")
        #expect(mkdir("\(vm.shareDirectory)/\(id)", 0o755) == 0)
        #expect(symlink("/", "\(vm.shareDirectory)/\(id)/rootfs") == 0)
        let request = ContainerRequest(id: id, spec: BusyboxRootfs.spec(args: ["/bin/true"]))
        await #expect {
            try await vm.agent.createContainer(request)
        } throws: { ($0 as? KataError)?.code == .invalidArgument && "\($0)".contains("symlink") }
        #expect(unlink("\(vm.shareDirectory)/\(id)/rootfs") == 0)
        try BusyboxRootfs.create(at: "\(vm.shareDirectory)/\(id)/rootfs")
        try await vm.agent.createContainer(request)
        try await vm.agent.startContainer(id: id)
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "") == 0)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    /// Symlinks the host plants in the share point back into the share itself (at a guest
    /// path), so a write that followed one would be visible here: none may appear.
    @Test func copyFileDoesNotFollowSymlinksPlantedInTheShare() async throws {
        let vm = try guest()
        let visible = uniqueID("visible"), planted = uniqueID("planted")
        let guestShare = "/run/kata-containers/shared/containers"
        #expect(mkdir("\(vm.shareDirectory)/\(visible)", 0o755) == 0)
        #expect(symlink("\(guestShare)/\(visible)", "\(vm.shareDirectory)/\(planted)") == 0)
        #expect(mkdir("\(vm.shareDirectory)/\(planted)-dir", 0o755) == 0)
        #expect(
            symlink("\(guestShare)/\(visible)/file", "\(vm.shareDirectory)/\(planted)-dir/file") == 0)
        #expect(symlink("../\(visible)", "\(vm.shareDirectory)/\(planted)-dir/up") == 0)
        for path in [
            "\(planted)/file", "\(planted)/new/file", "\(planted)-dir/file", "\(planted)-dir/up/file",
        ] {
            await #expect(throws: KataError.self, "\(path)") {
                try await vm.agent.copyFile(
                    GuestFile(path: "\(guestShare)/\(path)", contents: Array("pwned".utf8)))
            }
        }
        let leaked = listDirectory("\(vm.shareDirectory)/\(visible)")
        #expect(leaked.isEmpty, "written through a symlink: \(leaked)")
        // The same copy without a link lands.
        try await vm.agent.copyFile(
            GuestFile(path: "\(guestShare)/\(visible)/file", contents: Array("ok".utf8)))
        #expect(listDirectory("\(vm.shareDirectory)/\(visible)") == ["file"])
        #expect(try await vm.agent.check())
    }
}
