import KataCore
import Testing

@testable import GuestAgent

#if canImport(Glibc)
    import Glibc
#endif

/// Stdin of a process that does not read: WriteStdin answers with short counts and waits in
/// a task; once the process exits its stdin is closed and a waiting write ends.
@Suite struct StdinWriteTests {
    let reaper = ChildReaper(mode: .trackedOnly)

    func start(_ argv: [String]) throws -> ManagedProcess {
        let stdin = try Pipe(), stdout = try Pipe(), stderr = try Pipe()
        let pid = try ProcessSpawner(reaper: reaper).spawn(
            argv, environment: ["PATH=/bin:/usr/bin"],
            stdio: .init(stdin: stdin.readEnd, stdout: stdout.writeEnd, stderr: stderr.writeEnd))
        [stdin.readEnd, stdout.writeEnd, stderr.writeEnd].forEach { close($0) }
        let out = OutputBuffer(), err = OutputBuffer()
        out.startDraining(fd: stdout.readEnd)
        err.startDraining(fd: stderr.readEnd)
        return ManagedProcess(
            execID: "e", pid: pid, stdin: stdin.writeEnd, stdout: out, stderr: err, terminal: nil,
            reaper: reaper)
    }

    @Test func aFullPipeGivesShortCountsThenTheWriteEndsAtExit() async throws {
        let process = try start(["/bin/sleep", "60"])
        let chunk = [UInt8](repeating: 7, count: 1 << 20)
        let first = try await process.writeStdin(chunk)
        #expect(first > 0 && first < chunk.count, "a pipe holds less than 1 MiB: a short count")
        let waiting = Task { try await process.writeStdin(chunk) }
        try await Task.sleep(for: .milliseconds(300))
        kill(process.pid, SIGKILL)
        #expect(await process.waitForExit() == 137)
        do {
            let more = try await waiting.value
            Issue.record("a write to a process that never read took \(more) more bytes")
        } catch let error as KataError {
            #expect(error.code == .failedPrecondition, "stdin is closed once the process exited: \(error)")
        }
        await #expect(throws: KataError.self) { try await process.writeStdin([1]) }
    }

    @Test func everyByteArrivesThroughShortWrites() async throws {
        let process = try start(["/bin/cat"])
        let data = (0..<(3 << 20)).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ ($0 >> 12)) }
        let reader = Task {
            var all: [UInt8] = []
            while let chunk = await process.stdout.read(maxBytes: 1 << 16) { all += chunk }
            return all
        }
        var offset = 0, calls = 0
        while offset < data.count {
            offset += try await process.writeStdin(Array(data[offset...]))
            calls += 1
        }
        process.closeStdin()
        #expect(await reader.value == data)
        #expect(calls > 1, "the pipe took the data in several short writes")
        #expect(await process.waitForExit() == 0)
    }
}
