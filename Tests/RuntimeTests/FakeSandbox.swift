import Agent
import Foundation
import KataCore
import Logging
import OCI
import Synchronization
import TestFixtures

@testable import Runtime

/// A sandbox without a VM: records what the container manager asks of it; `stop()` closes
/// the fake agent as the real one does.
actor FakeSandbox: ContainerSandbox {
    nonisolated let agent: any KataAgent
    nonisolated let fake: FakeAgent
    private(set) var created: [String] = []
    private(set) var removed: [String] = []
    private(set) var stops = 0

    init(agent: FakeAgent = FakeAgent()) {
        self.agent = agent
        fake = agent
    }

    func createContainer(id: String, spec: Spec, rootfs: [RootfsMount], bundle: String) async throws {
        created.append(id)
    }
    func removeContainer(id: String) async throws { removed.append(id) }
    func stop() async {
        stops += 1
        await fake.close()
    }
}

/// The manager's events, as reported.
final class EventLog: Sendable {
    private let events = Mutex<[RuntimeEvent]>([])
    func append(_ event: RuntimeEvent) { events.withLock { $0.append(event) } }
    var all: [RuntimeEvent] { events.withLock { $0 } }

    /// The first exit reported for one process.
    func exit(_ container: String, _ exec: String = "") -> ProcessExit? {
        all.lazy.compactMap {
            guard case .processExited(container, exec, let exit) = $0 else { return nil }
            return exit
        }.first
    }

    /// The exit codes reported for one process, in order.
    func exits(_ container: String, _ exec: String = "") -> [UInt32] {
        all.compactMap {
            guard case .processExited(container, exec, let exit) = $0 else { return nil }
            return exit.status
        }
    }
}

/// A container manager over a fake sandbox, with its events logged.
struct ManagerFixture {
    let sandbox = FakeSandbox()
    let log = EventLog()
    let manager: ContainerManager

    init() {
        let log = log
        manager = ContainerManager(sandbox: sandbox, logger: Logger(label: "test.runtime")) { log.append($0) }
    }

    var agent: FakeAgent { sandbox.fake }

    static let noIO = ProcessIO.Paths(stdin: "", stdout: "", stderr: "", terminal: false)

    func create(_ id: String, io: ProcessIO.Paths = noIO) async throws {
        try await manager.create(
            id: id, bundle: "/bundles/\(id)", spec: Spec(process: OCI.Process(args: ["/bin/true"])),
            rootfs: [],
            io: io)
    }

    func exec(_ id: String, _ exec: String, io: ProcessIO.Paths = noIO) async throws {
        try await manager.exec(containerID: id, execID: exec, io: io) { OCI.Process(args: ["/bin/true"]) }
    }

    func status(_ id: String, _ exec: String = "") async throws -> ProcessStatus {
        try await manager.snapshot(containerID: id, execID: exec).status
    }

    func wait(_ id: String, _ exec: String = "") async throws -> UInt32 {
        try await within(.seconds(5)) { try await manager.wait(containerID: id, execID: exec).status }
    }
}

/// The KataError code a call throws, or nil when it succeeds.
func errorCode(_ body: () async throws -> Void) async -> KataError.Code? {
    do {
        try await body()
        return nil
    } catch let error as KataError {
        return error.code
    } catch {
        return .internal
    }
}
