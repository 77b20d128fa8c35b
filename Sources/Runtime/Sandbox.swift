import Agent
import Initdata
import KataConfig
import KataCore
import Logging
import OCI
import QEMU
import VirtualMachine

#if canImport(Glibc)
    import Glibc
#endif

/// Connects to the agent over the VM's agent channel, retrying until `timeout`.
public typealias AgentDialer =
    @Sendable (_ channel: AgentChannel, _ timeout: Duration) async throws -> any KataAgent

/// One pod's VM, its agent connection, and the container root filesystems shared into it.
/// Every directory, mount and process it makes is recorded in `SandboxState` on disk before
/// it exists, so a crashed shim can be cleaned up after (`Sandbox.cleanUp`).
public actor Sandbox {
    public nonisolated let id: String
    public nonisolated let paths: SandboxPaths
    public nonisolated let configuration: KataConfiguration
    public nonisolated let hypervisor: any RunningVirtualMachine
    /// What the planner decided, including the expected launch measurement.
    public nonisolated let plan: LaunchPlan
    public nonisolated let agent: any KataAgent
    /// The backend serves the share read-only (the guest cannot create mount points in a root).
    public nonisolated let shareReadOnly: Bool
    var state: SandboxState
    let logger: Logger
    /// Containers whose root filesystem is a hot-plugged image (`shared_fs = "none"`).
    var blockRoots: [String: BlockRoot] = [:]
    /// Names hot-plugged devices (QEMU's node names are short: the container id is not one).
    var nextDeviceNumber = 0
    /// Per container: the tasks re-copying its kubelet-updated volumes (`shared_fs = "none"`).
    var volumeWatchers: [String: [Task<Void, Never>]] = [:]
    private nonisolated let watchdog: SandboxWatchdog

    private init(
        id: String, paths: SandboxPaths, configuration: KataConfiguration, plan: LaunchPlan,
        hypervisor: any RunningVirtualMachine,
        agent: any KataAgent, state: SandboxState, health: HealthCheckPolicy, shareReadOnly: Bool,
        logger: Logger
    ) {
        self.shareReadOnly = shareReadOnly
        self.id = id
        self.paths = paths
        self.configuration = configuration
        self.hypervisor = hypervisor
        self.plan = plan
        self.agent = agent
        self.state = state
        self.logger = logger
        watchdog = SandboxWatchdog(hypervisor: hypervisor, agent: agent, policy: health)
    }

    /// Returns why the sandbox died (QEMU exited, or the agent stopped answering Health.Check),
    /// or nil once `stop()` began an orderly stop.
    public nonisolated func deathReason() async -> String? { await watchdog.deathReason() }

    public var containerIDs: [String] { state.containers }
    public var hypervisorPID: Int32 { hypervisor.pid }

    /// Boots the VM the launch planner described, connects the agent and has it mount the
    /// shared directory when the plan shares one. On failure everything made so far is undone.
    /// `configuration` is the one the plan was made from (the agent's settings are read here).
    /// `hostname` is the sandbox spec's (a CRI pod's hostname); the sandbox id's first 63
    /// characters without one. `dns` is the pod's resolv.conf (`Spec.sandboxDNS`).
    public static func create(
        plan: LaunchPlan, configuration: KataConfiguration, paths: SandboxPaths, hostname: String? = nil,
        dns: [String] = [], dialer: @escaping AgentDialer,
        backend: any VirtualMachineBackend = QEMUBackend(), health: HealthCheckPolicy = .standard,
        logger: Logger
    ) async throws -> Sandbox {
        let id = plan.vm.sandboxID
        try Identifier.validate(id, field: "sandbox id")
        guard paths.sandboxID == id, plan.vm.runDirectory == paths.vmDirectory else {
            throw KataError(
                .invalidArgument,
                "sandbox \(id): the launch plan was made for other paths than \(paths.stateDirectory)")
        }
        let shareReadOnly = plan.vm.shares.contains { $0.readOnly }
        let hostname = try guestHostname(hostname, sandboxID: id)
        var logger = logger
        logger[metadataKey: "sandbox"] = "\(id)"
        var state = SandboxState(paths: paths)
        state.measurement = plan.measurement
        state.pod = plan.pod
        try makeDirectories(paths.sharedDirectory, mode: 0o711)
        try state.save()
        var hypervisor: (any RunningVirtualMachine)?
        var agent: (any KataAgent)?
        var network: AttachedNetwork?
        var tapsOpen = false
        do {
            if let expected = plan.measurement {
                // Before the VM exists: what a verifier should find in the guest's attestation report.
                logger.info("expected launch measurement", metadata: expected.logMetadata)
            }
            if let initdata = plan.initdata {
                // Inside the state directory saved above: removed with it, also by `cleanUp`.
                try writeFile(initdata.diskPath, InitdataDisk.image(gzip: initdata.gzip), mode: 0o600)
                logger.info(
                    "initdata disk written",
                    metadata: [
                        "initdata_algorithm": .string(initdata.binding.algorithm),
                        "initdata_digest": .string(initdata.binding.digest),
                        "initdata_bound_as": .string(initdata.binding.field ?? "nothing (no TEE field)"),
                    ])
            }
            var description = plan.vm
            if let networkPlan = plan.network {
                let attached = try await PodNetwork.attach(networkPlan)
                (network, tapsOpen) = (attached, true)
                state.network = attached.state
                try state.save()
                description.networkDevices = attached.devices
                logger.info(
                    "pod network attached",
                    metadata: [
                        "netns": .string(networkPlan.namespacePath),
                        "taps": .string(
                            attached.state.links.map { "\($0.interface)<->\($0.tap)" }.joined(separator: ",")),
                    ])
            }
            let started = ContinuousClock.now
            let vm = try await backend.launch(description, logger: logger)
            hypervisor = vm
            if tapsOpen {
                network?.closeDescriptors()
                tapsOpen = false
            }
            state.hypervisorPID = vm.pid
            try state.save()
            let connected = try await dialWhileRunning(
                vm, dialer: dialer, timeout: .seconds(configuration.agent.dialTimeout))
            agent = connected
            if let network { try await configureGuestNetwork(network, agent: connected) }
            try await connected.createSandbox(
                SandboxRequest(
                    hostname: hostname, sandboxID: id,
                    storages: plan.guestShare.map { share in
                        [
                            .virtio9p(
                                tag: share.tag, mountPoint: SandboxPaths.guestSharedMount, msize: share.msize)
                        ]
                    } ?? [], kernelModules: configuration.agent.kernelModules, dns: dns))
            logger.info(
                "sandbox ready",
                metadata: ["boot-to-agent-ms": "\((ContinuousClock.now - started).wholeMilliseconds)"])
            return Sandbox(
                id: id, paths: paths, configuration: configuration, plan: plan, hypervisor: vm,
                agent: connected,
                state: state, health: health, shareReadOnly: shareReadOnly, logger: logger)
        } catch {
            logger.error("sandbox creation failed: \(error)")
            if let console = try? readFileBytes(plan.vm.consoleLogPath) {
                // Why the guest went away is often only on its console (removed with the VM).
                logger.error("guest console (tail): \(String(decoding: console.suffix(3000), as: UTF8.self))")
            }
            await agent?.close()
            await hypervisor?.stop(timeout: .seconds(2))
            if tapsOpen { network?.closeDescriptors() }
            if let network { logProblems(await PodNetwork.detach(network.state), logger: logger) }
            Self.removeDirectories(paths)
            throw error
        }
    }

    /// Shares the container's root filesystem and has the agent create the container.
    public func createContainer(id containerID: String, spec: Spec, rootfs: [RootfsMount], bundle: String)
        async throws
    {
        try Identifier.validate(containerID, field: "container id")
        if plan.guestShare == nil {
            return try await createBlockRootedContainer(
                id: containerID, spec: spec, rootfs: rootfs, bundle: bundle)
        }
        let target = paths.hostRootfs(container: containerID)
        let shareTarget = try paths.rootfsTarget(container: containerID)
        state.mounts.append(target)
        state.containers.append(containerID)
        try state.save()
        do {
            // With no mounts from containerd, the bundle's rootfs directory is the root.
            let mounts =
                rootfs.isEmpty
                ? [RootfsMount(type: "bind", source: "\(bundle)/rootfs", options: ["rbind"])] : rootfs
            try mountAll(mounts, at: shareTarget)
            let volumes = try await prepareVolumes(containerID: containerID, spec: spec)
            let guestSpec = spec.forGuest(
                containerID: containerID, guestRootfs: paths.guestRootfs(container: containerID),
                mounts: volumes.mounts)
            if shareReadOnly { makeMountPoints(guestSpec, root: target) }
            try await agent.createContainer(
                ContainerRequest(id: containerID, spec: guestSpec, storages: volumes.storages))
        } catch {
            releaseVolumes(containerID: containerID)
            try? RootfsMount.unmount(shareTarget)
            forget(containerID, mount: target)
            throw error
        }
    }

    /// Removes the container in the guest and its shared root filesystem on the host.
    public func removeContainer(id containerID: String) async throws {
        if let device = blockRoots[containerID] {
            defer { releaseVolumes(containerID: containerID) }
            do {
                try await agent.removeContainer(id: containerID, timeoutSeconds: 10)
            } catch {
                await detach(device, container: containerID)
                throw error
            }
            await detach(device, container: containerID)
            return
        }
        defer {
            releaseVolumes(containerID: containerID)
            Self.unmount(paths.hostRootfs(container: containerID), paths: paths, logger: logger)
            removeTree("\(paths.sharedDirectory)/\(containerID)")
            forget(containerID, mount: paths.hostRootfs(container: containerID))
        }
        try await agent.removeContainer(id: containerID, timeoutSeconds: 10)
    }

    /// Stops the VM (the agent first, then QEMU gracefully, then by force) and removes every
    /// mount and directory the sandbox made. A dead sandbox (see `deathReason`) is not asked
    /// anything: its agent gets no DestroySandbox and QEMU is killed without waiting.
    public func stop() async {
        let dead = watchdog.currentDeathReason != nil
        watchdog.stop()
        if !dead {
            let agent = agent
            do {
                try await withDeadline(.seconds(2), "DestroySandbox") { try await agent.destroySandbox() }
            } catch {
                logger.warning("DestroySandbox: \(error)")
            }
        }
        await agent.close()
        volumeWatchers.values.joined().forEach { $0.cancel() }
        volumeWatchers = [:]
        await hypervisor.stop(timeout: dead ? .milliseconds(200) : .seconds(2))
        if let network = state.network { Self.logProblems(await PodNetwork.detach(network), logger: logger) }
        // The VM is gone, and with it every device it held: only the cache references remain.
        paths.imageCache.releaseAll(sandbox: id)
        blockRoots = [:]
        for mount in state.mounts.reversed() { Self.unmount(mount, paths: paths, logger: logger) }
        Self.removeDirectories(paths)
        logger.info("sandbox stopped")
    }

    /// After a shim crash: kill the VM the persisted state names and remove what it recorded.
    public static func cleanUp(paths: SandboxPaths, logger: Logger) {
        // The id is joined into the paths removed below: never act on one that could escape.
        if let problem = Identifier.problem(paths.sandboxID) {
            logger.error("clean-up refused: sandbox id \(paths.sandboxID.debugDescription): \(problem)")
            return
        }
        guard let state = try? SandboxState.load(paths) else {
            paths.imageCache.releaseAll(sandbox: paths.sandboxID)
            removeDirectories(paths)
            return
        }
        // A pid from the file is never 0 or negative here: kill(2) would read those as groups.
        if let pid = state.hypervisorPID, pid > 1, isQEMU(pid: pid, sandboxID: paths.sandboxID) {
            kill(pid, SIGKILL)
            logger.info("killed leftover VM", metadata: ["pid": "\(pid)", "sandbox": "\(paths.sandboxID)"])
        }
        for mount in state.mounts.reversed() { unmount(mount, paths: paths, logger: logger) }
        if let network = state.network { logProblems(PodNetwork.detachWaiting(network), logger: logger) }
        paths.imageCache.releaseAll(sandbox: paths.sandboxID)
        removeDirectories(paths)
    }

    /// The hostname CreateSandbox sets: the spec's, checked (sethostname takes 64 bytes at
    /// most), or the sandbox id's first 63 characters.
    static func guestHostname(_ hostname: String?, sandboxID: String) throws -> String {
        guard let hostname, !hostname.isEmpty else { return String(sandboxID.prefix(63)) }
        guard hostname.utf8.count <= 64, !hostname.utf8.contains(0), !hostname.contains("/") else {
            throw KataError(
                .invalidArgument,
                "sandbox spec hostname \(hostname.prefix(80).debugDescription): at most 64 bytes, no NUL or \"/\""
            )
        }
        return hostname
    }

    /// Unmounts a recorded mount point, reached below the share without following symlinks.
    static func unmount(_ mount: String, paths: SandboxPaths, logger: Logger) {
        do {
            try RootfsMount.unmount(ShareTarget(root: paths.sharedDirectory, path: mount))
        } catch {
            logger.error("unmount \(mount): \(error)")
        }
    }

    /// On a read-only share crun cannot create the mount points the spec needs (e.g. /run), so
    /// the host makes the missing directories in the root first, as crun would have. Best
    /// effort: a destination through a symlink of the image is left to crun.
    private func makeMountPoints(_ spec: Spec, root: String) {
        for mount in spec.mounts ?? [] {
            let steps = mount.destination.split(separator: "/").map(String.init)
            guard !steps.isEmpty, let target = try? ShareTarget(root: root, components: steps) else {
                continue
            }
            do {
                try target.withDirectory(create: true) { _ in }
            } catch {
                logger.info("mount point \(mount.destination) not made in the root: \(error)")
            }
        }
    }

    func mountAll(_ mounts: [RootfsMount], at target: ShareTarget) throws {
        // Several mounts stack on the same target (containerd's layered form).
        for mount in mounts { try mount.mount(at: target) }
    }

    func forget(_ containerID: String, mount: String) {
        state.containers.removeAll { $0 == containerID }
        state.mounts.removeAll { $0 == mount }
        try? state.save()
    }

    static func removeDirectories(_ paths: SandboxPaths) {
        removeTree(paths.sharedBase)
        removeTree(paths.stateDirectory)
    }

    /// Only a process whose command line names this sandbox is ours to kill (pids are reused).
    static func isQEMU(pid: Int32, sandboxID: String) -> Bool {
        guard let bytes = try? readFileBytes("/proc/\(pid)/cmdline") else { return false }
        let text = String(decoding: bytes.map { $0 == 0 ? 0x20 : $0 }, as: UTF8.self)
        return text.contains("sandbox-\(sandboxID)")
    }
}
