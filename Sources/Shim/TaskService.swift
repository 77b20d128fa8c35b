import Agent
import Foundation
import Host
import KataConfig
import KataCore
import LocalHTTP
import Logging
import OCI
import Prometheus
import PrometheusText
import Protocols
import QEMU
import Runtime
import SwiftProtobuf
import VirtualMachine

/// containerd's task API for one shim, over one sandbox: the first container creates the VM
/// (it is the sandbox), later containers of the same pod join it. Requests arrive in
/// containerd's types and leave as runtime calls: the containers and their processes live in
/// the runtime's `ContainerManager`, whose events come back here as containerd's. What stays
/// here is the shim's own: the sandbox's creation, Create/Shutdown ordering, the management
/// socket. `TaskService+TTRPC` does the wire side.
public actor TaskService {
    let namespace: String
    let shimID: String
    let events: EventPublisher
    let dialer: AgentDialer
    let backend: any VirtualMachineBackend
    /// What the launch planner is told about the host (the real one but in tests).
    let hostFacts: @Sendable () -> HostFacts
    let health: HealthCheckPolicy
    let loadConfiguration:
        @Sendable (_ annotations: [String: String], _ shimConfigPath: String?) throws -> KataConfiguration
    let logger: Logger
    let stateRoot: String
    let sharedRoot: String
    var sandbox: Sandbox?
    /// The first Create's sandbox while it boots: a concurrent Create waits for this one
    /// instead of starting a second VM.
    var sandboxCreation: Task<Sandbox, any Error>?
    /// Ids of Creates in flight; Shutdown waits until none is left (`createsSettled`).
    var creatingIDs: Set<String> = []
    var createsSettled: [CheckedContinuation<Void, Never>] = []
    /// Set by Shutdown: no Create is accepted after it.
    var shuttingDown = false
    /// Why the sandbox died, once the watchdog said so: this shim then boots no other VM.
    var deathReason: String?
    var monitor: LocalHTTPServer?
    /// The containers of the current sandbox (kept after its death until they are deleted).
    var containers: ContainerManager?
    /// Called once Shutdown finds nothing left to serve.
    let onShutdown: @Sendable () -> Void

    public init(
        namespace: String, shimID: String, events: EventPublisher, dialer: @escaping AgentDialer,
        backend: any VirtualMachineBackend = QEMUBackend(),
        hostFacts: @escaping @Sendable () -> HostFacts = { HostFacts.gather() },
        health: HealthCheckPolicy = .standard,
        loadConfiguration: @escaping @Sendable ([String: String], String?) throws -> KataConfiguration,
        stateRoot: String = SandboxPaths.defaultStateRoot,
        sharedRoot: String = SandboxPaths.defaultSharedRoot,
        logger: Logger, onShutdown: @escaping @Sendable () -> Void
    ) {
        self.namespace = namespace
        self.shimID = shimID
        self.events = events
        self.dialer = dialer
        self.backend = backend
        self.hostFacts = hostFacts
        self.health = health
        self.loadConfiguration = loadConfiguration
        self.stateRoot = stateRoot
        self.sharedRoot = sharedRoot
        self.logger = logger
        self.onShutdown = onShutdown
    }

    var hypervisorPID: UInt32 { UInt32(bitPattern: (sandboxPID ?? 0)) }
    private var sandboxPID: Int32?

    // MARK: Create / Start

    func create(_ request: Containerd_Task_V2_CreateTaskRequest) async throws
        -> Containerd_Task_V2_CreateTaskResponse
    {
        try Identifier.validate(request.id, field: "id")
        if let problem = BundlePath.problem(request.bundle) {
            throw KataError(.invalidArgument, "bundle \(problem)")
        }
        guard !shuttingDown else {
            throw KataError(.failedPrecondition, "create \(request.id): the shim is shutting down")
        }
        if let deathReason {
            throw KataError(
                .failedPrecondition, "create \(request.id): this shim's sandbox died (\(deathReason))")
        }
        let exists = KataError(.failedPrecondition, "container \(request.id) already exists in this shim")
        guard !creatingIDs.contains(request.id) else { throw exists }
        // Reserved before the await below: a concurrent Create of the same id is refused above.
        creatingIDs.insert(request.id)
        defer { createFinished(request.id) }
        if await containers?.contains(request.id) == true { throw exists }
        let spec = try Spec.load(bundle: request.bundle)
        let sandbox = try await sandboxFor(request: request, spec: spec)
        let rootfs = request.rootfs.map { RootfsMount(type: $0.type, source: $0.source, options: $0.options) }
        try await containerManager(for: sandbox).create(
            id: request.id, bundle: request.bundle, spec: spec, rootfs: rootfs,
            io: ProcessIO.Paths(
                stdin: request.stdin, stdout: request.stdout, stderr: request.stderr,
                terminal: request.terminal))

        var event = Containerd_Events_TaskCreate()
        event.containerID = request.id
        event.bundle = request.bundle
        event.rootfs = request.rootfs
        event.io.stdin = request.stdin
        event.io.stdout = request.stdout
        event.io.stderr = request.stderr
        event.io.terminal = request.terminal
        event.pid = hypervisorPID
        events.publish(event)
        var response = Containerd_Task_V2_CreateTaskResponse()
        response.pid = hypervisorPID
        return response
    }

    func start(_ request: Containerd_Task_V2_StartRequest) async throws -> Containerd_Task_V2_StartResponse {
        // TaskStart / TaskExecStarted come from the manager's event, ahead of any TaskExit.
        try await manager(request.id, request.execID).start(containerID: request.id, execID: request.execID)
        var response = Containerd_Task_V2_StartResponse()
        response.pid = hypervisorPID
        return response
    }

    /// Stops the management socket and the sandbox's VM; no stdio relay outlives it.
    func stopSandbox() async {
        let manager = containers
        await monitor?.stop()
        monitor = nil
        let stopping = sandbox
        sandbox = nil
        if let manager, let stopping, manager.sandbox === stopping {
            await manager.stopSandbox()
        } else {
            await stopping?.stop()
        }
    }

    func createFinished(_ id: String) {
        creatingIDs.remove(id)
        guard creatingIDs.isEmpty else { return }
        let waiters = createsSettled
        createsSettled = []
        waiters.forEach { $0.resume() }
    }

    /// Returns once no Create is in flight.
    func waitForCreates() async {
        while !creatingIDs.isEmpty {
            await withCheckedContinuation { createsSettled.append($0) }
        }
    }

    /// The watchdog's verdict: QEMU exited or the agent stopped answering. Every process is
    /// reported exited with 255 (as upstream), so Wait returns, and the sandbox is torn down;
    /// Delete then only forgets the containers.
    func sandboxDied(_ dead: Sandbox, reason: String) async {
        guard sandbox === dead else { return }
        deathReason = reason
        logger.error("sandbox \(dead.id) died: \(reason); every process is reported exited (255)")
        if let containers, containers.sandbox === dead { await containers.sandboxDied() }
        await stopSandbox()
    }

    /// Prometheus text for the management socket: this shim, QEMU, and the guest. The guest's
    /// text is parsed strictly and only its own families (`kata_guest_*`, `kata_agent_*`) are
    /// passed on: a guest cannot forge the host's series.
    static func metricsText(sandbox: Sandbox) async -> String {
        let registry = PrometheusCollectorRegistry()
        ProcessFigures.read(pid: getpid())?.record(into: registry, prefix: "kata_shim", process: "Shim")
        ProcessFigures.read(pid: sandbox.hypervisor.pid)?
            .record(into: registry, prefix: "kata_hypervisor", process: "Hypervisor")
        var text = registry.emitToString()
        if let guest = try? await sandbox.agent.getMetrics() {
            var relayed = Exposition.parse(guest)
            relayed.removeFamilies { !($0.hasPrefix("kata_guest_") || $0.hasPrefix("kata_agent_")) }
            text += relayed.rendered()
        }
        return text
    }

    // MARK: Helpers shared by the verbs

    /// The container manager for a request naming container `id` (and process `execID`): the
    /// ids are checked first, against containerd's identifier rule; with no sandbox yet there
    /// is no container.
    func manager(_ id: String, _ execID: String = "") throws -> ContainerManager {
        try ContainerManager.validate(id: id, execID: execID)
        guard let containers else { throw KataError(.notFound, "container \(id) not found") }
        return containers
    }

    /// The manager of `sandbox`'s containers, made with the sandbox's first container.
    func containerManager(for sandbox: Sandbox) -> ContainerManager {
        if let containers, containers.sandbox === sandbox { return containers }
        // The pid from the sandbox itself: a second concurrent Create may get here before the
        // first has recorded `sandboxPID`.
        let pid = UInt32(bitPattern: sandbox.hypervisor.pid)
        let manager = ContainerManager(
            sandbox: sandbox, logger: logger, onEvent: Self.publishing(to: events, pid: pid))
        containers = manager
        return manager
    }

    /// The share holds only container root filesystems; the guest only reads it when the one
    /// container it will ever hold has a read-only root. A CRI pod's sandbox is joined by later
    /// containers (whose roots may be writable), so its share stays writable.
    static func guestOnlyReadsTheShare(_ spec: Spec) -> Bool {
        spec.root?.readonly == true && spec.annotations?[PodAnnotations.containerType] == nil
    }

    /// The sandbox for a new container: this shim's, the one the first Create is booting, or
    /// a new one when this is the first.
    func sandboxFor(request: Containerd_Task_V2_CreateTaskRequest, spec: Spec) async throws -> Sandbox {
        if let sandbox { return sandbox }
        if let sandboxCreation { return try await sandboxCreation.value }
        var configPath: String?
        if request.hasOptions, let options = try? request.options.unpack(Runtimeoptions_V1_Options.self),
            !options.configPath.isEmpty
        {
            configPath = options.configPath
        }
        let annotations = spec.annotations ?? [:]
        let sandboxID = try PodAnnotations(annotations).sandboxID() ?? request.id
        let configuration = try loadConfiguration(annotations, configPath)
        let paths = SandboxPaths(sandboxID: sandboxID, stateRoot: stateRoot, sharedRoot: sharedRoot)
        let (dialer, backend, hostFacts, health, logger) = (dialer, backend, hostFacts, health, logger)
        let hostname = spec.hostname
        let dns = try spec.sandboxDNS()
        let request = LaunchRequest(
            sandboxID: sandboxID, paths: paths, annotations: annotations,
            shareReadOnly: Self.guestOnlyReadsTheShare(spec),
            networkNamespace: spec.linux?.namespaces?.first { $0.type == "network" }?.path)
        let creation = Task {
            // Planned inside the creation, so a concurrent Create waits for this plan's outcome too.
            // A confidential launch also needs the QEMU object type; a plain one skips the probe.
            let qemu =
                configuration.hypervisor.confidentialGuest
                ? QEMUBinary.probe(path: configuration.hypervisor.path) : nil
            let plan = try LaunchPlanner(configuration: configuration, host: hostFacts(), qemu: qemu).plan(
                request)
            return try await Sandbox.create(
                plan: plan, configuration: configuration, paths: paths, hostname: hostname, dns: dns,
                dialer: dialer,
                backend: backend,
                health: health, logger: logger)
        }
        sandboxCreation = creation
        defer { sandboxCreation = nil }
        let created = try await creation.value
        sandbox = created
        sandboxPID = await created.hypervisorPID
        do {
            monitor = try await ShimMonitor.start(
                socketPath: created.paths.monitorSocket,
                routes: [
                    "/metrics": .prometheus { await Self.metricsText(sandbox: created) },
                    "/agent-url": .agentURL(created.plan.vm.agentChannel),
                    "/measurement": .measurement(
                        created.plan.measurement, initdata: created.plan.initdata?.binding),
                ])
        } catch {
            logger.warning("management socket not available: \(error)")
        }
        Task { [weak self] in
            guard let reason = await created.deathReason() else { return }
            await self?.sandboxDied(created, reason: reason)
        }
        return created
    }
}
