import Foundation
import Protocols
import TTRPC
import Testing

/// containerd's task semantics, checked on runc's shim and on ours in the same run: each test
/// runs once per runtime, so the two are seen to agree. What `ctr` cannot express (ResizePty,
/// CloseIO, State's FIFO paths) goes over ttrpc straight to the task's shim.
@Suite(.serialized, .privateContainerd)
struct TaskSemanticsTests {
    var ctrd: PrivateContainerd { PrivateContainerdTrait.current! }
    static let runtimes = ["io.containerd.runc.v2", "io.containerd.kata.v2"]

    /// A second Kill of an exited task is NotFound ("process already finished"), not OK.
    @Test(arguments: runtimes) func killAfterExitIsNotFound(runtime: String) async throws {
        let id = Self.taskID("kill")
        try await runDetached(id, runtime: runtime, ["/bin/sleep", "600"])
        defer { Task { await ctrd.forceRemove(id) } }
        #expect(try await ctrd.ctr(["task", "kill", "-s", "SIGKILL", id]).status == 0)
        #expect(try await ctrd.waitForTask(id, status: "STOPPED", timeout: 60))
        let second = try await ctrd.ctr(["task", "kill", "-s", "SIGKILL", id])
        #expect(second.status != 0, "\(runtime): a second kill succeeded")
        #expect(second.stderr.contains("not found"), "\(runtime): \(second.stderr)")
        await ctrd.forceRemove(id)
    }

    /// An exec id is free again once its process was deleted (ctr deletes it after it exits).
    @Test(arguments: runtimes) func execIDIsFreeAgainAfterDelete(runtime: String) async throws {
        let id = Self.taskID("exec")
        try await runDetached(id, runtime: runtime, ["/bin/sleep", "600"])
        defer { Task { await ctrd.forceRemove(id) } }
        for word in ["one", "two", "three"] {
            let exec = try await ctrd.ctr(["task", "exec", "--exec-id", "again", id, "/bin/echo", word])
            #expect(
                exec.status == 0 && exec.stdout == "\(word)\n", "\(runtime): \(exec.stdout) \(exec.stderr)")
        }
        await ctrd.forceRemove(id)
    }

    /// ResizePty on a process without a terminal is accepted and does nothing.
    @Test(arguments: runtimes) func resizeWithoutTerminalIsANoOp(runtime: String) async throws {
        let id = Self.taskID("resize")
        try await runDetached(id, runtime: runtime, ["/bin/sleep", "600"])
        defer { Task { await ctrd.forceRemove(id) } }
        let shim = try await ShimConnection.connect(ctrd, task: id)
        defer { Task { await shim.client.close() } }
        var resize = Containerd_Task_V2_ResizePtyRequest()
        resize.id = id
        resize.width = 100
        resize.height = 40
        _ = try await shim.client.call(Containerd_Task_V2_TaskMethods.resizePty, resize)
        #expect(try await ctrd.taskStatus(id) == "RUNNING")
        await ctrd.forceRemove(id)
    }

    /// Pids lists the container's processes (three: sh and its two sleeps), the init first.
    @Test(arguments: runtimes) func pidsListsTheContainersProcesses(runtime: String) async throws {
        let id = Self.taskID("pids")
        try await runDetached(id, runtime: runtime, ["/bin/sh", "-c", "sleep 600 & sleep 601 & wait"])
        defer { Task { await ctrd.forceRemove(id) } }
        let shim = try await ShimConnection.connect(ctrd, task: id)
        defer { Task { await shim.client.close() } }
        var request = Containerd_Task_V2_PidsRequest()
        request.id = id
        var pids: [UInt32] = []
        // The shell starts its two children right after it starts: give it a moment.
        for _ in 0..<50 {
            pids = try await shim.client.call(Containerd_Task_V2_TaskMethods.pids, request).processes.map(
                \.pid)
            if pids.count >= 3 { break }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(pids.count == 3 && Set(pids).count == 3, "\(runtime): \(pids)")
        let listing = try await ctrd.ctr(["task", "ps", id])
        #expect(listing.status == 0, "\(runtime): \(listing.stderr)")
        let rows = listing.stdout.split(separator: "\n").dropFirst()
        #expect(rows.count == 3, "\(runtime): ctr task ps:\n\(listing.stdout)")
        #expect(
            rows.first.map { $0.hasPrefix("\(pids.first ?? 0) ") } == true, "\(runtime): \(listing.stdout)")
        await ctrd.forceRemove(id)
    }

    /// Two re-attaches to a running `cat` (each opens the task's stdin FIFO, writes a line and
    /// closes it, as `cio.WithAttach` clients do), then CloseIO: every line comes out, nothing
    /// written before CloseIO is lost, and the first client going away lost nothing either.
    @Test(arguments: runtimes) func reattachedStdinLosesNothing(runtime: String) async throws {
        let id = Self.taskID("attach")
        // The first client: `ctr run` with a stdin that never ends, killed once the task runs.
        let work = ctrd.work + "/\(id)"
        try FileManager.default.createDirectory(atPath: work, withIntermediateDirectories: true)
        let hold = work + "/stdin"
        guard mkfifo(hold, 0o600) == 0 else { throw CommandFailure("mkfifo \(hold): errno \(errno)") }
        let holder = open(hold, O_RDWR | O_CLOEXEC)
        defer { close(holder) }
        let first = try BackgroundCommand(
            [
                "/usr/bin/ctr", "-a", ctrd.socket, "run", "--rm", "--runtime", runtime,
                PrivateContainerd.image, id, "/bin/cat",
            ],
            inputPath: hold)
        defer { Task { await ctrd.forceRemove(id) } }
        #expect(try await ctrd.waitForTask(id, status: "RUNNING", timeout: 120))
        first.stop()

        let shim = try await ShimConnection.connect(ctrd, task: id)
        defer { Task { await shim.client.close() } }
        var stateRequest = Containerd_Task_V2_StateRequest()
        stateRequest.id = id
        let state = try await shim.client.call(Containerd_Task_V2_TaskMethods.state, stateRequest)
        #expect(!state.stdin.isEmpty && !state.stdout.isEmpty, "\(runtime): no FIFOs in \(state)")
        let output = FIFOReader(path: state.stdout)
        for _ in 0..<2 {
            let writer = open(state.stdin, O_WRONLY | O_CLOEXEC)
            #expect(writer >= 0, "\(runtime): open \(state.stdin): errno \(errno)")
            _ = "hello\n".withCString { write(writer, $0, 6) }
            close(writer)
            try await Task.sleep(for: .milliseconds(300))
        }
        var closeIO = Containerd_Task_V2_CloseIORequest()
        closeIO.id = id
        closeIO.stdin = true
        _ = try await shim.client.call(Containerd_Task_V2_TaskMethods.closeIO, closeIO)
        #expect(
            try await ctrd.waitForTask(id, status: "STOPPED", timeout: 60), "\(runtime): cat did not see EOF")
        let text = await output.readUntilEOF(timeout: 30)
        #expect(text == "hello\nhello\n", "\(runtime): output \(text.debugDescription)")
        await ctrd.forceRemove(id)
    }

    /// A user namespace (`ctr run --uidmap/--gidmap`, which also hands the task a snapshot
    /// chowned into the mapped range): the container sees its mapping, its root filesystem
    /// owned by its own root (0 inside), an exec joins the same namespace, and a file it
    /// creates lands in the snapshot on the host owned by the mapped id 100000.
    @Test(arguments: runtimes) func userNamespaceMapsTheContainersIDs(runtime: String) async throws {
        let id = Self.taskID("userns")
        let marker = "made-by-\(id)"
        let result = try await ctrd.ctr(
            [
                "run", "-d", "--runtime", runtime, "--uidmap", "0:100000:65536", "--gidmap", "0:100000:65536",
                PrivateContainerd.image, id, "/bin/sh", "-c", "touch /\(marker) && exec sleep 600",
            ])
        #expect(result.status == 0, "\(runtime): \(result.stderr)")
        defer { Task { await ctrd.forceRemove(id) } }
        guard result.status == 0 else { return }
        let seen = try await ctrd.ctr(
            [
                "task", "exec", "--exec-id", "look", id, "/bin/sh", "-c",
                "cat /proc/self/uid_map /proc/self/gid_map; stat -c '%u %g' /bin/busybox /\(marker); id -u",
            ])
        let lines = seen.stdout.split(separator: "\n").map {
            $0.split(separator: " ", omittingEmptySubsequences: true).joined(separator: " ")
        }
        #expect(
            lines == ["0 100000 65536", "0 100000 65536", "0 0", "0 0", "0"],
            "\(runtime): \(seen.stdout) \(seen.stderr)")
        // The marker in the container's upper layer, as the host sees it.
        let snapshots = ctrd.work + "/containerd/root/io.containerd.snapshotter.v1.overlayfs/snapshots"
        let owners = try FileManager.default.contentsOfDirectory(atPath: snapshots).compactMap {
            try? FileManager.default.attributesOfItem(atPath: "\(snapshots)/\($0)/fs/\(marker)")[
                .ownerAccountID]
                as? NSNumber
        }
        #expect(owners.map(\.intValue) == [100000], "\(runtime): owners on the host \(owners)")
        await ctrd.forceRemove(id)
    }

    // MARK: Helpers

    static func taskID(_ what: String) -> String { "\(what)-\(UUID().uuidString.prefix(8).lowercased())" }

    func runDetached(_ id: String, runtime: String, _ args: [String]) async throws {
        let result = try await ctrd.ctr(
            ["run", "-d", "--runtime", runtime, PrivateContainerd.image, id] + args)
        guard result.status == 0 else {
            throw CommandFailure("ctr run -d \(id) (\(runtime)): \(result.stderr)")
        }
    }
}

/// A ttrpc connection to a task's shim, at the address its bundle records.
struct ShimConnection {
    let client: TTRPCClient

    static func connect(_ ctrd: PrivateContainerd, task id: String) async throws -> ShimConnection {
        let file = ctrd.taskStateDirectory(id) + "/address"
        let address = try String(contentsOfFile: file, encoding: .utf8).trimmingCharacters(
            in: .whitespacesAndNewlines)
        guard address.hasPrefix("unix://") else {
            throw CommandFailure("\(file): unexpected address \(address)")
        }
        let client = try await TTRPCClient.connect(
            to: .unixSocket(path: String(address.dropFirst("unix://".count))))
        return ShimConnection(client: client)
    }
}

/// Reads a FIFO on its own thread from the moment it is made until every writer closed it.
final class FIFOReader: @unchecked Sendable {  // `data` is only touched under `lock`
    private var data = [UInt8]()
    private let lock = NSLock()
    private let done = DispatchSemaphore(value: 0)

    init(path: String) {
        Thread.detachNewThread { [self] in
            let fd = open(path, O_RDONLY | O_CLOEXEC)
            if fd >= 0 {
                var buffer = [UInt8](repeating: 0, count: 4096)
                while true {
                    let count = read(fd, &buffer, buffer.count)
                    if count <= 0 { break }
                    lock.withLock { data += buffer[0..<count] }
                }
                close(fd)
            }
            done.signal()
        }
    }

    /// What was read, once the writers closed the FIFO (or what came so far, past `timeout`).
    func readUntilEOF(timeout: TimeInterval) async -> String {
        let finished = await withCheckedContinuation { continuation in
            Thread.detachNewThread { [done] in
                continuation.resume(returning: done.wait(timeout: .now() + timeout) == .success)
            }
        }
        return String(decoding: lock.withLock { data }, as: UTF8.self)
            + (finished ? "" : "<still open after \(timeout) s>")
    }
}
