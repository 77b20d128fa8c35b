import Testing

@testable import GuestAgent

#if canImport(Glibc)
    import Glibc
#endif

/// Runs real processes (busybox sh from the host) through the spawner, reaper and output
/// buffers. The reaper is in `.trackedOnly` mode: the test process must not reap children that
/// other suites (QEMU, containerd) own.
@Suite struct ProcessSupervisionTests {
    let reaper = ChildReaper(mode: .trackedOnly)

    func run(_ script: String) throws -> (pid: Int32, stdout: OutputBuffer, stderr: OutputBuffer) {
        let stdin = try Pipe(), stdout = try Pipe(), stderr = try Pipe()
        let pid = try ProcessSpawner(reaper: reaper).spawn(
            ["/bin/sh", "-c", script], environment: ["PATH=/bin:/usr/bin"],
            stdio: .init(stdin: stdin.readEnd, stdout: stdout.writeEnd, stderr: stderr.writeEnd))
        [stdin.readEnd, stdin.writeEnd, stdout.writeEnd, stderr.writeEnd].forEach { close($0) }
        let out = OutputBuffer(), err = OutputBuffer()
        out.startDraining(fd: stdout.readEnd)
        err.startDraining(fd: stderr.readEnd)
        return (pid, out, err)
    }

    func readAll(_ buffer: OutputBuffer) async -> [UInt8] {
        var all: [UInt8] = []
        while let chunk = await buffer.read(maxBytes: 7000) { all += chunk }
        return all
    }

    @Test func exitCodesAreExact() async throws {
        #expect(await reaper.exitCode(of: try run("exit 0").pid) == 0)
        #expect(await reaper.exitCode(of: try run("exit 3").pid) == 3)
        #expect(await reaper.exitCode(of: try run("kill -9 $$").pid) == 137)
        #expect(await reaper.exitCode(of: try run("kill -15 $$").pid) == 143)
    }

    @Test func outputWrittenBeforeTheReadIsKeptThenEOF() async throws {
        let p = try run("echo hello; echo oops >&2")
        #expect(await reaper.exitCode(of: p.pid) == 0)  // exits before anyone reads
        #expect(String(decoding: await readAll(p.stdout), as: UTF8.self) == "hello\n")
        #expect(String(decoding: await readAll(p.stderr), as: UTF8.self) == "oops\n")
        #expect(await p.stdout.read(maxBytes: 10) == nil)
    }

    @Test func largeOutputBeyondTheBufferLimitIsNotLost() async throws {
        // 8 MiB through a 4 MiB buffer: the writer blocks until the reader catches up.
        let p = try run("head -c 8388608 /dev/zero")
        let all = await readAll(p.stdout)
        #expect(all.count == 8 << 20)
        #expect(await reaper.exitCode(of: p.pid) == 0)
    }

    @Test func spawnRejectsRelativePrograms() throws {
        #expect(throws: (any Error).self) {
            try ProcessSpawner(reaper: reaper).spawn(["sh"], stdio: .init(stdin: 0, stdout: 1, stderr: 2))
        }
    }
}
