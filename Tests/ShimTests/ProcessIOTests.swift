import Foundation
import KataCore
import Runtime
import TestFixtures
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The stdio relay with real FIFOs and a fake agent.
@Suite struct ProcessIOTests {
    func fifoDirectory() throws -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("fifo-\(UUID().uuidString)")
            .path
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    /// Opens a FIFO for writing without blocking a thread of the cooperative pool (the relay
    /// that reads it needs one): retries a non-blocking open until the reader is there.
    func openWriter(_ path: String) async throws -> Int32 {
        for _ in 0..<2000 {
            let fd = open(path, O_WRONLY | O_NONBLOCK)
            if fd >= 0 { return fd }
            guard errno == ENXIO else { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        Issue.record("no reader opened \(path)")
        return -1
    }

    /// Writes everything to a non-blocking writer, yielding while the FIFO is full.
    func writeAll(_ fd: Int32, _ bytes: [UInt8]) async throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
            if n > 0 {
                offset += n
            } else if n < 0 && (errno == EAGAIN || errno == EINTR) {
                try await Task.sleep(for: .milliseconds(1))
            } else {
                Issue.record("write failed: errno \(errno)")
                return
            }
        }
    }

    /// CloseIO right after a write, with the writer still open: every byte written before it
    /// reaches the agent, and only then is stdin closed.
    @Test func closeStdinDeliversWhatWasWrittenBeforeIt() async throws {
        let dir = try fifoDirectory()
        defer { _ = removeTree(dir) }
        let agent = FakeAgent()
        for round in 0..<20 {
            let path = "\(dir)/stdin\(round)"
            #expect(mkfifo(path, 0o600) == 0)
            let io = ProcessIO(
                containerID: "c\(round)", execID: "",
                paths: .init(stdin: path, stdout: "", stderr: "", terminal: false),
                agent: agent)
            io.start()
            let writer = try await openWriter(path)
            #expect(writer >= 0)
            let payload =
                Array("round \(round): ".utf8) + [UInt8](repeating: UInt8(ascii: "x"), count: 100_000)
                + Array("tail".utf8)
            try await writeAll(writer, payload)
            // The FIFO holds at most 64 KiB: the rest was written as the relay read it.
            try await within(.seconds(5)) { await io.closeStdin() }
            close(writer)
            #expect(agent.stdinAtClose("c\(round)") == payload, "round \(round)")
        }
    }

    /// Writers that come and go (a client closes its end, another re-attaches) feed one
    /// stream: a writer's close is not EOF; only CloseIO is. Nothing written before it is lost.
    @Test func stdinSurvivesWritersThatComeAndGo() async throws {
        let dir = try fifoDirectory()
        defer { _ = removeTree(dir) }
        let agent = FakeAgent()
        let path = "\(dir)/stdin"
        #expect(mkfifo(path, 0o600) == 0)
        let io = ProcessIO(
            containerID: "c1", execID: "", paths: .init(stdin: path, stdout: "", stderr: "", terminal: false),
            agent: agent)
        io.start()
        for line in ["first\n", "second\n", "third\n"] {
            let writer = try await openWriter(path)
            #expect(writer >= 0)
            try await writeAll(writer, Array(line.utf8))
            close(writer)
            try await Task.sleep(for: .milliseconds(50))
        }
        try await within(.seconds(5)) { await io.closeStdin() }
        #expect(agent.stdinAtClose("c1") == Array("first\nsecond\nthird\n".utf8))
    }

    /// An output FIFO nobody opens does not hold up the exit past the grace period; a stdin FIFO
    /// nobody opens is abandoned by `cancel()`.
    @Test func unopenedFIFOsAreAbandoned() async throws {
        let dir = try fifoDirectory()
        defer { _ = removeTree(dir) }
        let agent = FakeAgent()
        for name in ["in", "out", "err"] { #expect(mkfifo("\(dir)/\(name)", 0o600) == 0) }
        let io = ProcessIO(
            containerID: "c1", execID: "",
            paths: .init(stdin: "\(dir)/in", stdout: "\(dir)/out", stderr: "\(dir)/err", terminal: false),
            agent: agent)
        io.start()
        agent.exit("c1", code: 0)
        try await within(.seconds(5)) { await io.waitForOutput(openGrace: .milliseconds(100)) }
        io.cancel()
        // Nothing holds the FIFOs any more: a non-blocking writer finds no reader.
        try await Task.sleep(for: .milliseconds(100))
        let probe = open("\(dir)/in", O_WRONLY | O_NONBLOCK)
        #expect(probe < 0 && errno == ENXIO)
        if probe >= 0 { close(probe) }
    }
}
