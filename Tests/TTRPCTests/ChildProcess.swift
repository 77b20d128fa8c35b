import Foundation
import KataCore

/// A process started by a test, stopped (SIGTERM, then SIGKILL) by `stop()` on every path.
final class ChildProcess {
    private let process = Process()

    init(_ executable: String, _ arguments: [String], output: String) throws {
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        let log = try FileHandle(forWritingTo: URL(fileURLWithPath: output))
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = arguments
        process.standardOutput = log
        process.standardError = log
        do {
            try process.run()
        } catch {
            throw KataError(.system, "cannot start \(executable): \(error)")
        }
    }

    func stop() {
        guard process.isRunning else { return }
        process.terminate()
        let deadline = Date().addingTimeInterval(5)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }
}

/// Polls until `condition` holds, running `pulse` every half second; fails with a timeout
/// error naming `what`.
func waitUntil(
    _ what: String, timeout: Duration = .seconds(20), _ condition: () -> Bool,
    pulse: () async throws -> Void = {}
) async throws {
    let deadline = ContinuousClock.now + timeout
    var nextPulse = ContinuousClock.now
    while !condition() {
        guard ContinuousClock.now < deadline else {
            throw KataError(.timeout, "waited \(timeout) for \(what)")
        }
        if ContinuousClock.now >= nextPulse {
            try await pulse()
            nextPulse = ContinuousClock.now + .milliseconds(500)
        }
        try await Task.sleep(for: .milliseconds(50))
    }
}
