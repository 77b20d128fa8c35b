import Agent
import Foundation
import KataCore
import OCI
import Synchronization

/// A stand-in for the guest agent, shared by ShimTests and RuntimeTests (unit tests of the shim's and runtime's logic; the
/// integration tests use the real agent in a real VM). Processes exit when signalled or when
/// `exit` is called; every waiting call fails once the connection is closed, as over ttrpc.
package final class FakeAgent: KataAgent {
    package struct State {
        package var closed = false
        package var unresponsive = false
        package var calls: [String] = []
        package var sandboxRequests: [SandboxRequest] = []
        package var stdin: [String: [UInt8]] = [:]
        package var stdinClosed: [String: [UInt8]] = [:]
        package var exits: [String: Int32] = [:]
        package var waiters: [CheckedContinuation<Void, Never>] = []
        /// Containers the OOM killer hit, not yet taken by a GetOOMEvent.
        package var oomKills: [String] = []
        /// GetOOMEvent fails at once (an agent that cannot watch memory events).
        package var failOOMEvents = false
    }
    package let state = Mutex(State())

    package init() {}

    package static func key(_ container: String, _ exec: String) -> String { "\(container)/\(exec)" }

    package var calls: [String] { state.withLock { $0.calls } }
    package func stdinAtClose(_ container: String, _ exec: String = "") -> [UInt8]? {
        state.withLock { $0.stdinClosed[Self.key(container, exec)] }
    }

    /// The process ends with `code`.
    package func exit(_ container: String, _ exec: String = "", code: Int32) {
        change { $0.exits[Self.key(container, exec)] = code }
    }

    /// From now on Health.Check (and nothing else) goes unanswered, like a stopped VM.
    package func stopAnswering() { change { $0.unresponsive = true } }

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

    package func check() async throws -> Bool { try await check(timeout: .seconds(60)) }
    package func check(timeout: Duration) async throws -> Bool {
        try record("check")
        if state.withLock({ $0.unresponsive }) {
            try await Task.sleep(for: timeout)
            throw KataError(.timeout, "Health.Check: no answer within \(timeout)")
        }
        return true
    }
    package func version() async throws -> AgentVersion {
        AgentVersion(agentVersion: "fake", grpcVersion: "0")
    }
    package func createSandbox(_ sandbox: SandboxRequest) async throws {
        try record("createSandbox")
        state.withLock { $0.sandboxRequests.append(sandbox) }
    }
    package var sandboxRequests: [SandboxRequest] { state.withLock { $0.sandboxRequests } }
    package func destroySandbox() async throws { try record("destroySandbox") }
    package func createContainer(_ container: ContainerRequest) async throws {
        try record("createContainer \(container.id)")
    }
    package func startContainer(id: String) async throws { try record("startContainer \(id)") }
    package func removeContainer(id: String, timeoutSeconds: UInt32) async throws {
        try record("removeContainer \(id)")
    }
    package func pauseContainer(id: String) async throws { try record("pause \(id)") }
    package func resumeContainer(id: String) async throws { try record("resume \(id)") }
    package func statsContainer(id: String) async throws -> ContainerStats { ContainerStats() }
    package func listProcesses(containerID: String) async throws -> [Int32] {
        try record("list \(containerID)")
        return [1]
    }
    package func updateContainer(id: String, resources: Resources) async throws {}
    package func execProcess(containerID: String, execID: String, process: OCI.Process) async throws {
        try record("exec \(containerID) \(execID)")
    }
    package func signalProcess(containerID: String, execID: String, signal: Int32) async throws {
        try record("signal \(containerID) \(execID) \(signal)")
        exit(containerID, execID, code: 128 + signal)
    }
    package func waitProcess(containerID: String, execID: String) async throws -> Int32 {
        let key = Self.key(containerID, execID)
        return try await wait { $0.exits[key] }
    }
    package func writeStdin(containerID: String, execID: String, data: [UInt8]) async throws -> Int {
        try record("writeStdin")
        state.withLock { $0.stdin[Self.key(containerID, execID), default: []] += data }
        return data.count
    }
    package func readStdout(containerID: String, execID: String, maxBytes: Int) async throws -> [UInt8]? {
        let key = Self.key(containerID, execID)
        _ = try await wait { $0.exits[key] }
        return nil
    }
    package func readStderr(containerID: String, execID: String, maxBytes: Int) async throws -> [UInt8]? {
        try await readStdout(containerID: containerID, execID: execID, maxBytes: maxBytes)
    }
    package func closeStdin(containerID: String, execID: String) async throws {
        try record("closeStdin")
        let key = Self.key(containerID, execID)
        state.withLock { $0.stdinClosed[key] = $0.stdin[key] ?? [] }
    }
    package func resizeTerminal(containerID: String, execID: String, rows: UInt32, columns: UInt32)
        async throws
    {}
    package func getMetrics() async throws -> String { "" }
    package func getGuestDetails() async throws -> GuestDetails {
        GuestDetails(memoryBlockSizeBytes: 0, agentVersion: "")
    }
    package func setGuestDateTime(seconds: Int64, microseconds: Int64) async throws {}
    /// The OOM killer hits `container`: the next GetOOMEvent names it.
    package func oomKill(_ container: String) { change { $0.oomKills.append(container) } }
    package func failOOMEvents() { change { $0.failOOMEvents = true } }
    package func getOOMEvent() async throws -> String {
        try record("getOOMEvent")
        while true {
            if state.withLock({ $0.failOOMEvents }) { throw KataError(.notImplemented, "no OOM events here") }
            _ = try await wait { $0.oomKills.isEmpty && !$0.failOOMEvents ? nil : true }
            let taken = state.withLock { $0.oomKills.isEmpty ? nil : $0.oomKills.removeFirst() }
            if let taken { return taken }
        }
    }
    package func onlineCPUMem(cpus: UInt32, cpuOnly: Bool) async throws {}
    package func copyFile(_ file: GuestFile) async throws {}
    package func reseedRandomDevice(data: [UInt8]) async throws {}
    package func updateInterface(_ interface: GuestInterface) async throws {
        try record("updateInterface \(interface.name) \(interface.macAddress)")
    }
    package func updateRoutes(_ routes: [GuestRoute]) async throws {
        try record("updateRoutes \(routes.count)")
    }
    package func addARPNeighbors(_ neighbours: [GuestNeighbour]) async throws {
        try record("addARPNeighbors \(neighbours.count)")
    }
    package func close() async { change { $0.closed = true } }
    package var isClosed: Bool { state.withLock { $0.closed } }
}
