import Agent
import Foundation
import KataCore
import OCI
import Synchronization

/// A stand-in for the guest agent (a copy of ShimTests' for the runtime's own tests; the
/// integration tests use the real agent in a real VM). Processes exit when signalled or when
/// `exit` is called; every waiting call fails once the connection is closed, as over ttrpc.
final class FakeAgent: KataAgent {
    struct State {
        var closed = false
        var unresponsive = false
        var calls: [String] = []
        var stdin: [String: [UInt8]] = [:]
        var stdinClosed: [String: [UInt8]] = [:]
        var exits: [String: Int32] = [:]
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    let state = Mutex(State())

    static func key(_ container: String, _ exec: String) -> String { "\(container)/\(exec)" }

    var calls: [String] { state.withLock { $0.calls } }
    func stdinAtClose(_ container: String, _ exec: String = "") -> [UInt8]? {
        state.withLock { $0.stdinClosed[Self.key(container, exec)] }
    }

    /// The process ends with `code`.
    func exit(_ container: String, _ exec: String = "", code: Int32) {
        change { $0.exits[Self.key(container, exec)] = code }
    }

    /// From now on Health.Check (and nothing else) goes unanswered, like a stopped VM.
    func stopAnswering() { change { $0.unresponsive = true } }

    private func change(_ body: (inout State) -> Void) {
        let waiters = state.withLock { state in
            body(&state)
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume() }
    }

    private func record(_ call: String) throws {
        try state.withLock { state in
            guard !state.closed else { throw KataError(.remote, "agent connection closed") }
            state.calls.append(call)
        }
    }

    /// Waits until `ready` returns a value; throws once the connection is closed.
    private func wait<T: Sendable>(_ ready: @escaping @Sendable (State) -> T?) async throws -> T {
        while true {
            let outcome: Result<T, KataError>? = state.withLock { state in
                if state.closed { return .failure(KataError(.remote, "agent connection closed")) }
                return ready(state).map { .success($0) }
            }
            if let outcome { return try outcome.get() }
            await withCheckedContinuation { continuation in
                let resumeNow = state.withLock { state -> Bool in
                    if state.closed || ready(state) != nil { return true }
                    state.waiters.append(continuation)
                    return false
                }
                if resumeNow { continuation.resume() }
            }
        }
    }

    func check() async throws -> Bool { try await check(timeout: .seconds(60)) }
    func check(timeout: Duration) async throws -> Bool {
        try record("check")
        if state.withLock({ $0.unresponsive }) {
            try await Task.sleep(for: timeout)
            throw KataError(.timeout, "Health.Check: no answer within \(timeout)")
        }
        return true
    }
    func version() async throws -> AgentVersion { AgentVersion(agentVersion: "fake", grpcVersion: "0") }
    func createSandbox(_ sandbox: SandboxRequest) async throws { try record("createSandbox") }
    func destroySandbox() async throws { try record("destroySandbox") }
    func createContainer(_ container: ContainerRequest) async throws {
        try record("createContainer \(container.id)")
    }
    func startContainer(id: String) async throws { try record("startContainer \(id)") }
    func removeContainer(id: String, timeoutSeconds: UInt32) async throws {
        try record("removeContainer \(id)")
    }
    func pauseContainer(id: String) async throws { try record("pause \(id)") }
    func resumeContainer(id: String) async throws { try record("resume \(id)") }
    func statsContainer(id: String) async throws -> ContainerStats { ContainerStats() }
    func updateContainer(id: String, resources: Resources) async throws {}
    func execProcess(containerID: String, execID: String, process: OCI.Process) async throws {
        try record("exec \(containerID) \(execID)")
    }
    func signalProcess(containerID: String, execID: String, signal: Int32) async throws {
        try record("signal \(containerID) \(execID) \(signal)")
        exit(containerID, execID, code: 128 + signal)
    }
    func waitProcess(containerID: String, execID: String) async throws -> Int32 {
        let key = Self.key(containerID, execID)
        return try await wait { $0.exits[key] }
    }
    func writeStdin(containerID: String, execID: String, data: [UInt8]) async throws -> Int {
        try record("writeStdin")
        state.withLock { $0.stdin[Self.key(containerID, execID), default: []] += data }
        return data.count
    }
    func readStdout(containerID: String, execID: String, maxBytes: Int) async throws -> [UInt8]? {
        let key = Self.key(containerID, execID)
        _ = try await wait { $0.exits[key] }
        return nil
    }
    func readStderr(containerID: String, execID: String, maxBytes: Int) async throws -> [UInt8]? {
        try await readStdout(containerID: containerID, execID: execID, maxBytes: maxBytes)
    }
    func closeStdin(containerID: String, execID: String) async throws {
        try record("closeStdin")
        let key = Self.key(containerID, execID)
        state.withLock { $0.stdinClosed[key] = $0.stdin[key] ?? [] }
    }
    func resizeTerminal(containerID: String, execID: String, rows: UInt32, columns: UInt32) async throws {}
    func getMetrics() async throws -> String { "" }
    func getGuestDetails() async throws -> GuestDetails {
        GuestDetails(memoryBlockSizeBytes: 0, agentVersion: "")
    }
    func setGuestDateTime(seconds: Int64, microseconds: Int64) async throws {}
    func getOOMEvent() async throws -> String { try await wait { _ in nil as String? } }
    func onlineCPUMem(cpus: UInt32, cpuOnly: Bool) async throws {}
    func copyFile(_ file: GuestFile) async throws {}
    func reseedRandomDevice(data: [UInt8]) async throws {}
    func close() async { change { $0.closed = true } }
    var isClosed: Bool { state.withLock { $0.closed } }
}
