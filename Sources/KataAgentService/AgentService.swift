import GuestAgent
import KataCore
import Protocols
import SwiftProtobuf
import TTRPC

/// The guest side of `grpc.AgentService` and `grpc.Health`: each RPC this agent implements is
/// registered here; the ttrpc server answers every other method with Unimplemented.
public final class AgentService: Sendable {
    public static let version = "0.1.0"
    /// The agent protocol version reported by Health.Version (upstream's API version).
    public static let apiVersion = "0.0.1"

    let registry: ContainerRegistry
    let sandbox = SandboxState()
    let oom: OOMMonitor
    let paths: GuestPaths
    /// Filesystem modules may still be loading when the first requests arrive.
    let modules: GuestModules

    public init(
        reaper: ChildReaper, modules: GuestModules = .none, paths: GuestPaths = GuestPaths(),
        crunBinary: String = "/usr/bin/crun"
    ) {
        let crun = Crun(
            binary: crunBinary, stateRoot: paths.crunRoot, spawner: ProcessSpawner(reaper: reaper))
        self.registry = ContainerRegistry(crun: crun, stateDirectory: paths.bundles, noPivot: true)
        self.paths = paths
        self.modules = modules
        self.oom = OOMMonitor(sandbox: sandbox)
    }

    /// Every implemented method, by name; each validates its request before it runs.
    public func services() -> TTRPCServices { routes().services }

    /// The decode-and-validate step of every implemented method, keyed "service/method": what
    /// the server runs on a request before its handler, without the handler (for fuzzers).
    package func requestValidators() -> [String: @Sendable ([UInt8]) throws -> Void] { routes().validators }

    private func routes() -> ValidatingRoutes {
        typealias Agent = Grpc_AgentServiceMethods
        typealias Health = Grpc_HealthMethods
        var routes = ValidatingRoutes(paths: paths)
        routes.add(Health.check) { _ in .with { $0.status = .serving } }
        routes.add(Health.version) { _ in
            .with {
                $0.agentVersion = Self.version
                $0.grpcVersion = Self.apiVersion
            }
        }
        routes.add(Agent.createSandbox, createSandbox)
        routes.add(Agent.destroySandbox) { _ in try await self.destroySandbox() }
        routes.add(Agent.createContainer, createContainer)
        routes.add(Agent.startContainer) { try await self.registry.start(id: $0.containerID) }
        routes.add(Agent.removeContainer, removeContainer)
        routes.add(Agent.pauseContainer) { try await self.registry.pause(id: $0.containerID) }
        routes.add(Agent.resumeContainer) { try await self.registry.resume(id: $0.containerID) }
        routes.add(Agent.statsContainer, statsContainer)
        routes.add(Agent.listProcesses, listProcesses)
        routes.add(Agent.updateContainer, updateContainer)
        routes.add(Agent.execProcess, execProcess)
        routes.add(Agent.signalProcess, signalProcess)
        routes.add(Agent.waitProcess, waitProcess)
        routes.add(Agent.writeStdin, writeStdin)
        routes.add(Agent.readStdout) { try await self.read(.stdout, $0) }
        routes.add(Agent.readStderr) { try await self.read(.stderr, $0) }
        routes.add(Agent.closeStdin, closeStdin)
        routes.add(Agent.ttyWinResize, resizeTerminal)
        routes.add(Agent.getGuestDetails, guestDetails)
        routes.add(Agent.setGuestDateTime, setGuestDateTime)
        routes.add(Agent.onlineCPUMem, onlineCPUMem)
        routes.add(Agent.getOOMEvent) { _ in
            let id = try await self.oom.next()
            return .with { $0.containerID = id }
        }
        routes.add(Agent.getMetrics) { _ in
            let metrics = GuestMetrics()
            let records = await self.registry.execRecordCount
            return .with { $0.metrics = metrics.render() + metrics.renderAgent(execRecords: records) }
        }
        routes.add(Agent.updateInterface, updateInterface)
        routes.add(Agent.updateRoutes, updateRoutes)
        routes.add(Agent.addARPNeighbors, addARPNeighbors)
        routes.add(Agent.copyFile, copyFile)
        routes.add(Agent.reseedRandomDev, reseedRandomDevice)
        return routes
    }
}

/// Registers handlers that run only after their request passed `ValidatedRequest.validate`.
struct ValidatingRoutes {
    private(set) var services = TTRPCServices()
    private(set) var validators: [String: @Sendable ([UInt8]) throws -> Void] = [:]
    let paths: GuestPaths

    mutating func add<Request: ValidatedRequest, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (Request) async throws -> Response
    ) {
        let paths = self.paths
        services.register(service: method.service, method: method.method) { (request: Request, _) in
            try request.validate(paths)
            return try await handler(request)
        }
        validators["\(method.service)/\(method.method)"] = { payload in
            try Request(serializedBytes: payload).validate(paths)
        }
    }

    /// Methods answering `google.protobuf.Empty`.
    mutating func add<Request: ValidatedRequest>(
        _ method: RPCMethod<Request, Google_Protobuf_Empty>,
        _ handler: @escaping @Sendable (Request) async throws -> Void
    ) {
        add(method) { (request: Request) -> Google_Protobuf_Empty in
            try await handler(request)
            return Google_Protobuf_Empty()
        }
    }
}
