import AgentVMSupport
import KataCore
import OCI
import Protocols
import TTRPC
import Testing

@testable import Agent

/// Real guest, real agent, real crun: containers on the 9p share, driven through the host client.
@Suite(.sharedGuest) struct ContainerLifecycleTests {
    @Test func containerPrintsHelloAndExitsZero() async throws {
        let vm = try guest(), id = uniqueID("hello")
        try await vm.runContainer(id: id, args: ["/bin/echo", "hello"])
        #expect(try await vm.readAll(containerID: id) == "hello\n")
        #expect(try await vm.readAll(containerID: id, stderr: true) == "")
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "") == 0)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    @Test func exitStatusIsExact() async throws {
        let vm = try guest(), id = uniqueID("exit3")
        try await vm.runContainer(id: id, args: ["/bin/sh", "-c", "exit 3"])
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "") == 3)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    @Test func execInRunningContainerThenKill() async throws {
        let vm = try guest(), id = uniqueID("exec")
        try await vm.runContainer(id: id, args: ["/bin/sleep", "1000"])
        let process = Process(
            args: ["/bin/sh", "-c", "echo $((6 * 7)); echo oops >&2; exit 5"], env: ["PATH=/bin"])
        try await vm.agent.execProcess(containerID: id, execID: "e1", process: process)
        #expect(try await vm.readAll(containerID: id, execID: "e1") == "42\n")
        #expect(try await vm.readAll(containerID: id, execID: "e1", stderr: true) == "oops\n")
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "e1") == 5)

        // stdin reaches the process; closing it ends `cat`.
        try await vm.agent.execProcess(containerID: id, execID: "cat", process: Process(args: ["/bin/cat"]))
        #expect(
            try await vm.agent.writeStdin(containerID: id, execID: "cat", data: Array("ping\n".utf8)) == 5)
        try await vm.agent.closeStdin(containerID: id, execID: "cat")
        #expect(try await vm.readAll(containerID: id, execID: "cat") == "ping\n")
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "cat") == 0)

        try await vm.agent.signalProcess(containerID: id, execID: "", signal: 9)
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "") == 137)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    @Test func outputWrittenBeforeTheHostAsksIsReadInFull() async throws {
        let vm = try guest(), id = uniqueID("late")
        // ~100 KB, more than a pipe holds, all written (and the process gone) before any read.
        let script = "i=0; while [ $i -lt 10000 ]; do echo line-$i; i=$((i+1)); done; echo done >&2"
        try await vm.runContainer(id: id, args: ["/bin/sh", "-c", script])
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "") == 0)
        let lines = try await vm.readAll(containerID: id).split(separator: "\n")
        #expect(lines.count == 10000)
        #expect(lines.first == "line-0" && lines.last == "line-9999")
        #expect(try await vm.readAll(containerID: id, stderr: true) == "done\n")
        // After EOF, EOF again.
        #expect(try await vm.agent.readStdout(containerID: id, execID: "", maxBytes: 10) == nil)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    @Test func terminalProcessGetsAPty() async throws {
        let vm = try guest(), id = uniqueID("tty")
        try await vm.runContainer(
            id: id, args: ["/bin/sh", "-c", "sleep 1; [ -t 1 ] && echo on-a-tty"], terminal: true)
        try await vm.agent.resizeTerminal(containerID: id, execID: "", rows: 40, columns: 120)
        #expect(try await vm.readAll(containerID: id).contains("on-a-tty"))
        #expect(try await vm.agent.readStderr(containerID: id, execID: "", maxBytes: 10) == nil)
        #expect(try await vm.agent.waitProcess(containerID: id, execID: "") == 0)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
    }

    @Test func cgroupStatsUpdatePauseResume() async throws {
        let vm = try guest(), id = uniqueID("cg")
        try await vm.runContainer(id: id, args: ["/bin/sleep", "1000"])
        try await vm.agent.updateContainer(
            id: id, resources: Resources(memory: .init(limit: 64 << 20), pids: .init(limit: 50)))
        let stats = try await vm.agent.statsContainer(id: id)
        #expect(stats.memoryLimit == 64 << 20)
        #expect(stats.pidsLimit == 50)
        #expect(stats.pidsCurrent >= 1)
        #expect(stats.memoryUsage > 0)
        try await vm.agent.pauseContainer(id: id)
        try await vm.agent.resumeContainer(id: id)
        try await vm.agent.removeContainer(id: id, timeoutSeconds: 10)
        await #expect(throws: KataError.self) { try await vm.agent.statsContainer(id: id) }
    }
}
