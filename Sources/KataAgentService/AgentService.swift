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

    /// Every implemented method, by name.
    public func services() -> TTRPCServices {
        typealias Agent = Grpc_AgentServiceMethods
        typealias Health = Grpc_HealthMethods
        var services = TTRPCServices()
        services.add(Health.check) { _ in .with { $0.status = .serving } }
        services.add(Health.version) { _ in
            .with {
                $0.agentVersion = Self.version
                $0.grpcVersion = Self.apiVersion
            }
        }
        services.add(Agent.createSandbox, createSandbox)
        services.add(Agent.destroySandbox) { _ in try await self.destroySandbox() }
        services.add(Agent.createContainer, createContainer)
        services.add(Agent.startContainer) { try await self.registry.start(id: $0.containerID) }
        services.add(Agent.removeContainer, removeContainer)
        services.add(Agent.pauseContainer) { try await self.registry.pause(id: $0.containerID) }
        services.add(Agent.resumeContainer) { try await self.registry.resume(id: $0.containerID) }
        services.add(Agent.statsContainer, statsContainer)
        services.add(Agent.updateContainer, updateContainer)
        services.add(Agent.execProcess, execProcess)
        services.add(Agent.signalProcess, signalProcess)
        services.add(Agent.waitProcess, waitProcess)
        services.add(Agent.writeStdin, writeStdin)
        services.add(Agent.readStdout) { try await self.read(.stdout, $0) }
        services.add(Agent.readStderr) { try await self.read(.stderr, $0) }
        services.add(Agent.closeStdin, closeStdin)
        services.add(Agent.ttyWinResize, resizeTerminal)
        services.add(Agent.getGuestDetails, guestDetails)
        services.add(Agent.setGuestDateTime, setGuestDateTime)
        services.add(Agent.onlineCPUMem, onlineCPUMem)
        services.add(Agent.getOOMEvent) { _ in
            let id = try await self.oom.next()
            return .with { $0.containerID = id }
        }
        services.add(Agent.getMetrics) { _ in .with { $0.metrics = GuestMetrics().render() } }
        services.add(Agent.copyFile, copyFile)
        services.add(Agent.reseedRandomDev, reseedRandomDevice)
        return services
    }
}

extension TTRPCServices {
    mutating func add<Request, Response>(
        _ method: RPCMethod<Request, Response>,
        _ handler: @escaping @Sendable (Request) async throws -> Response
    ) {
        register(service: method.service, method: method.method) { (request: Request, _) in
            try await handler(request)
        }
    }

    /// Methods answering `google.protobuf.Empty`.
    mutating func add<Request>(
        _ method: RPCMethod<Request, Google_Protobuf_Empty>,
        _ handler: @escaping @Sendable (Request) async throws -> Void
    ) {
        register(service: method.service, method: method.method) { (request: Request, _) in
            try await handler(request)
            return Google_Protobuf_Empty()
        }
    }
}
