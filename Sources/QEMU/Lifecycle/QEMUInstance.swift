import Host
import KataCore
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// One running QEMU: the process, its QMP connection and its run directory. Owns all three;
/// `stop()` ends the process on every path and removes the directory.
public final class QEMUInstance: Sendable {
    public let qmp: QMPClient
    public let pid: Int32
    /// Everything QEMU created or we placed for it: `qmp.sock`, `qemu.pid`, `qemu.log` (QEMU's
    /// own stdout and stderr), and whatever the caller put there (console log, agent socket).
    public let runDirectory: String
    /// From posix_spawn to negotiated QMP capabilities.
    public let startupDuration: Duration
    /// The Linux capabilities QEMU started with (its command line's needs, as far as this
    /// process had them); it has no others, in any set.
    public var capabilities: CapabilitySet { process.capabilities }
    private let process: ChildProcess
    private let directory: RunDirectory
    private let logger: Logger

    private init(
        qmp: QMPClient, process: ChildProcess, directory: RunDirectory, startupDuration: Duration,
        logger: Logger
    ) {
        self.qmp = qmp
        self.pid = process.pid
        self.process = process
        self.directory = directory
        self.runDirectory = directory.path
        self.startupDuration = startupDuration
        self.logger = logger
    }

    /// The path of a file in the run directory (for console logs and sockets on the command line).
    public static func path(in runDirectory: String, _ name: String) -> String { runDirectory + "/" + name }

    /// `commandLine` as `launch` runs it: with the QMP socket and pid file in `runDirectory`.
    public static func prepared(_ commandLine: QEMUCommandLine, runDirectory: String) -> QEMUCommandLine {
        var commandLine = commandLine
        commandLine.qmpSocket = QMPSocket(path: path(in: runDirectory, "qmp.sock"))
        commandLine.pidFile = path(in: runDirectory, "qemu.pid")
        return commandLine
    }

    /// Creates `runDirectory` (it must not exist), starts QEMU with `commandLine` plus a QMP
    /// socket and pid file there, and waits until QMP is ready. If QEMU exits first, the error
    /// carries its own output. On any failure nothing is left behind.
    public static func launch(
        _ commandLine: QEMUCommandLine, runDirectory: String, readyTimeout: Duration = .seconds(10),
        logger: Logger = Logger(label: "kata.qemu")
    ) async throws -> QEMUInstance {
        let directory = try RunDirectory(creating: runDirectory)
        let commandLine = prepared(commandLine, runDirectory: directory.path)
        let outputPath = directory.file("qemu.log")
        var logger = logger
        logger[metadataKey: "subsystem"] = "qemu"

        let started = ContinuousClock.now
        let process: ChildProcess
        do {
            process = try ChildProcess(
                executable: commandLine.binary, arguments: commandLine.arguments, outputPath: outputPath,
                keeping: commandLine.hostCapabilities, passing: commandLine.passedDescriptors)
        } catch {
            _ = directory.remove()
            throw error
        }
        logger[metadataKey: "pid"] = "\(process.pid)"
        logger.info(
            "QEMU started confined",
            metadata: [
                "capabilities": "\(process.capabilities)",
                "seccomp-sandbox": "\(commandLine.seccompSandbox ?? "off")",
            ])
        do {
            let qmp = try await connectQMP(
                socketPath: directory.file("qmp.sock"), process: process, outputPath: outputPath,
                deadline: started + readyTimeout)
            let duration = ContinuousClock.now - started
            logger.info("QEMU ready", metadata: ["spawn-to-qmp-ms": "\(duration.wholeMilliseconds)"])
            return QEMUInstance(
                qmp: qmp, process: process, directory: directory, startupDuration: duration, logger: logger)
        } catch {
            process.send(SIGKILL)
            _ = await process.waitForExit()
            _ = directory.remove()
            throw error
        }
    }

    /// Polls for the socket QEMU creates, until `deadline`; reports an early exit with QEMU's output.
    private static func connectQMP(
        socketPath: String, process: ChildProcess, outputPath: String, deadline: ContinuousClock.Instant
    ) async throws -> QMPClient {
        var pause: Duration = .milliseconds(5)
        while true {
            if let status = process.exitStatus { throw earlyExit(status, outputPath: outputPath) }
            let remaining = deadline - ContinuousClock.now
            guard remaining > .zero else {
                throw KataError(.timeout, "QEMU \(process.pid): QMP not ready at \(socketPath) in time")
            }
            do {
                return try await QMPClient.connect(socketPath: socketPath, timeout: remaining)
            } catch let error as KataError where error.code == .system {
                // Not listening yet (ENOENT, ECONNREFUSED): wait and retry.
                try? await Task.sleep(for: pause)
                pause = min(pause * 2, .milliseconds(50))
            } catch {
                // Connected, then QEMU went away (it exits during machine init): say why.
                if let status = await process.waitForExit(timeout: .seconds(2)) {
                    throw earlyExit(status, outputPath: outputPath)
                }
                throw error
            }
        }
    }

    private static func earlyExit(_ status: ExitStatus, outputPath: String) -> KataError {
        let output = readTail(of: outputPath, maximumBytes: 8192).trimmingTrailingWhitespace()
        return KataError(
            .remote, "QEMU exited during startup (\(status)): \(output.isEmpty ? "no output" : output)")
    }

    /// QEMU's stdout and stderr so far (the last 8 KiB).
    public var output: String { Self.readTail(of: directory.file("qemu.log"), maximumBytes: 8192) }

    /// Nil while QEMU runs; its exit status once it has ended and been reaped.
    public var exitStatus: ExitStatus? { process.exitStatus }

    /// Returns when QEMU exits for any reason (noticed within ~50 ms).
    public func waitForExit() async -> ExitStatus { await process.waitForExit() }

    /// Asks QEMU to quit over QMP, waits up to `timeout`, then SIGKILLs it; reaps it, closes QMP
    /// and removes the run directory. Safe to call more than once and after QEMU died.
    @discardableResult
    public func stop(timeout: Duration = .seconds(5)) async -> ExitStatus {
        if process.exitStatus == nil {
            let deadline = ContinuousClock.now + timeout
            do {
                try await qmp.quit(timeout: timeout)
            } catch {
                logger.warning("QMP quit failed: \(error)")
            }
            if await process.waitForExit(timeout: deadline - ContinuousClock.now) == nil {
                logger.warning("QEMU did not exit within \(timeout) of quit; sending SIGKILL")
                process.send(SIGKILL)
            }
        }
        let status = await process.waitForExit()
        await qmp.close()
        if let error = directory.remove() { logger.error("cleaning \(directory.path): \(error)") }
        logger.info("QEMU stopped", metadata: ["status": "\(status)"])
        return status
    }

    /// Sends a signal to QEMU (not after it was reaped).
    public func signal(_ signal: Int32) { process.send(signal) }

    static func readTail(of path: String, maximumBytes: Int) -> String {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        let size = lseek(fd, 0, SEEK_END)
        guard size > 0 else { return "" }
        let start = max(0, Int(size) - maximumBytes)
        var bytes = [UInt8](repeating: 0, count: Int(size) - start)
        let count = bytes.withUnsafeMutableBytes { pread(fd, $0.baseAddress, $0.count, off_t(start)) }
        return String(decoding: bytes.prefix(max(0, count)), as: UTF8.self)
    }
}

extension String {
    func trimmingTrailingWhitespace() -> String {
        var result = self
        while let last = result.last, last.isWhitespace { result.removeLast() }
        return result
    }
}
