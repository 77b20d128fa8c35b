import Foundation
import Host
import KataConfig
import KataCore
import Logging
import OCI
import Protocols
import Runtime
import SwiftProtobuf
import Synchronization
import TestFixtures

@testable import Shim

/// A TaskService over a fake VM and agent, with its state, share and bundles in a temporary
/// directory (real bind mounts of the bundle's rootfs: the tests run as root).
final class TaskServiceHarness: Sendable {
    let root: String
    let backend: FakeBackend
    let service: TaskService
    let shutdowns = Count()

    init(
        bootDelay: Duration = .zero, dialHangs: Bool = false, sharedFS: String = "virtio-9p",
        health: HealthCheckPolicy = HealthCheckPolicy(
            interval: .milliseconds(50), deadline: .milliseconds(100), allowedMisses: 2),
        enableAnnotations: [String] = []
    ) {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("shim-\(UUID().uuidString)").path
        backend = FakeBackend(bootDelay: bootDelay, dialHangs: dialHangs)
        var configuration = KataConfiguration()
        configuration.hypervisor.kernel = "/fake/vmlinux"
        configuration.hypervisor.initrd = "/fake/initrd"
        configuration.hypervisor.sharedFS = sharedFS
        configuration.hypervisor.enableAnnotations = enableAnnotations
        let logger = Logger(label: "test.shim")
        let shutdowns = shutdowns
        service = TaskService(
            namespace: "test", shimID: "shim",
            events: EventPublisher(address: "", namespace: "test", logger: logger),
            dialer: backend.dialer, backend: backend,
            hostFacts: { [hostRoot = root + "/host"] in
                // An empty host: no KVM, no SEV/TDX, no vsock (what the planner sees in tests).
                HostFacts.gather(
                    HostProbe(filesystem: HostFilesystem(root: hostRoot), cpuid: { _, _ in nil }))
            }, health: health,
            // Pod annotations apply as in the real shim when the test enables some.
            loadConfiguration: { [configuration] annotations, _ in
                enableAnnotations.isEmpty ? configuration : try configuration.applyingAnnotations(annotations)
            }, stateRoot: root + "/sbs",
            sharedRoot: root + "/shared",
            logger: logger, onShutdown: { shutdowns.add() })
    }

    /// Undoes everything: the sandbox (and its mounts), then the directory.
    func tearDown() async {
        await service.shutdown(Containerd_Task_V2_ShutdownRequest(), force: true)
        _ = removeTree(root)
    }

    /// A bundle with config.json (carrying `annotations`) and an empty rootfs.
    func bundle(_ name: String, annotations: [String: String] = [:]) throws -> String {
        let path = root + "/bundles/" + name
        try FileManager.default.createDirectory(atPath: path + "/rootfs", withIntermediateDirectories: true)
        let spec = Spec(
            process: OCI.Process(args: ["/bin/true"]), root: Root(path: "rootfs"), annotations: annotations)
        try JSONEncoder().encode(spec).write(to: URL(fileURLWithPath: path + "/config.json"))
        return path
    }

    func createRequest(_ id: String, annotations: [String: String] = [:]) throws
        -> Containerd_Task_V2_CreateTaskRequest
    {
        var request = Containerd_Task_V2_CreateTaskRequest()
        request.id = id
        request.bundle = try bundle(id, annotations: annotations)
        return request
    }

    @discardableResult
    func create(_ id: String, annotations: [String: String] = [:]) async throws
        -> Containerd_Task_V2_CreateTaskResponse
    {
        try await service.create(try createRequest(id, annotations: annotations))
    }

    func start(_ id: String, exec: String = "") async throws {
        var request = Containerd_Task_V2_StartRequest()
        request.id = id
        request.execID = exec
        _ = try await service.start(request)
    }

    func exec(_ id: String, _ exec: String) async throws {
        var request = Containerd_Task_V2_ExecProcessRequest()
        request.id = id
        request.execID = exec
        request.spec.value = try JSONEncoder().encode(OCI.Process(args: ["/bin/true"]))
        try await service.exec(request)
    }

    func kill(_ id: String, exec: String = "", signal: UInt32) async throws {
        var request = Containerd_Task_V2_KillRequest()
        request.id = id
        request.execID = exec
        request.signal = signal
        try await service.kill(request)
    }

    func wait(_ id: String, exec: String = "") async throws -> UInt32 {
        var request = Containerd_Task_V2_WaitRequest()
        request.id = id
        request.execID = exec
        return try await service.wait(request).exitStatus
    }

    func delete(_ id: String) async throws {
        var request = Containerd_Task_V2_DeleteRequest()
        request.id = id
        _ = try await service.delete(request)
    }

    func status(_ id: String) async throws -> Containerd_V1_Types_Status {
        var request = Containerd_Task_V2_StateRequest()
        request.id = id
        return try await service.state(request).status
    }
}

/// The KataError code a call throws, or nil when it succeeds.
func errorCode(_ body: () async throws -> Void) async -> (KataError.Code, String)? {
    do {
        try await body()
        return nil
    } catch let error as KataError {
        return (error.code, error.message)
    } catch {
        return (.internal, "\(error)")
    }
}

/// Runs `body` with a fresh harness and tears it down afterwards, whether `body` throws or not.
func withHarness(
    bootDelay: Duration = .zero, dialHangs: Bool = false, sharedFS: String = "virtio-9p",
    enableAnnotations: [String] = [], _ body: (TaskServiceHarness) async throws -> Void
) async throws {
    let harness = TaskServiceHarness(
        bootDelay: bootDelay, dialHangs: dialHangs, sharedFS: sharedFS, enableAnnotations: enableAnnotations)
    do {
        try await body(harness)
    } catch {
        await harness.tearDown()
        throw error
    }
    await harness.tearDown()
}

/// A counter shared with closures.
final class Count: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// Polls `condition` until it holds (true) or `limit` passes (false).
func eventually(within limit: Duration = .seconds(5), _ condition: () async throws -> Bool) async throws
    -> Bool
{
    let deadline = ContinuousClock.now + limit
    while ContinuousClock.now < deadline {
        if try await condition() { return true }
        try await Task.sleep(for: .milliseconds(10))
    }
    return try await condition()
}
