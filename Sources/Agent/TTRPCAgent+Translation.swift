import KataCore
import OCI
import OCIProtobuf
import Protocols
import TTRPC

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

// The one place where the runtime's agent API meets the wire: each `KataAgent` method as a
// `grpc.AgentService` / `grpc.Health` call, with its types translated both ways.

extension TTRPCAgent {
    typealias Methods = Grpc_AgentServiceMethods

    public func check() async throws -> Bool { try await check(timeout: requestTimeout) }

    public func check(timeout: Duration) async throws -> Bool {
        try await call(Grpc_HealthMethods.check, Grpc_CheckRequest(), deadline: .after(timeout)).status
            == .serving
    }

    public func version() async throws -> AgentVersion {
        let response = try await call(Grpc_HealthMethods.version, Grpc_CheckRequest())
        return AgentVersion(agentVersion: response.agentVersion, grpcVersion: response.grpcVersion)
    }

    public func createSandbox(_ sandbox: SandboxRequest) async throws {
        _ = try await call(
            Methods.createSandbox,
            .with {
                $0.hostname = sandbox.hostname
                $0.dns = sandbox.dns
                $0.sandboxID = sandbox.sandboxID
                $0.storages = sandbox.storages.map(Grpc_Storage.init)
                $0.kernelModules = sandbox.kernelModules.map { name in .with { $0.name = name } }
            })
    }

    public func destroySandbox() async throws {
        _ = try await call(Methods.destroySandbox, Grpc_DestroySandboxRequest())
    }

    public func createContainer(_ container: ContainerRequest) async throws {
        _ = try await call(
            Methods.createContainer,
            .with {
                $0.containerID = container.id
                $0.execID = container.execID
                $0.storages = container.storages.map(Grpc_Storage.init)
                $0.oci = Grpc_Spec(container.spec)
            })
    }

    public func startContainer(id: String) async throws {
        _ = try await call(Methods.startContainer, .with { $0.containerID = id })
    }

    public func removeContainer(id: String, timeoutSeconds: UInt32) async throws {
        _ = try await call(
            Methods.removeContainer,
            .with {
                $0.containerID = id
                $0.timeout = timeoutSeconds
            }, deadline: .after(requestTimeout + .seconds(Int64(timeoutSeconds))))
    }

    public func pauseContainer(id: String) async throws {
        _ = try await call(Methods.pauseContainer, .with { $0.containerID = id })
    }

    public func resumeContainer(id: String) async throws {
        _ = try await call(Methods.resumeContainer, .with { $0.containerID = id })
    }

    public func statsContainer(id: String) async throws -> ContainerStats {
        let cgroup = try await call(Methods.statsContainer, .with { $0.containerID = id }).cgroupStats
        var stats = ContainerStats()
        stats.cpuUsageNanos = cgroup.cpuStats.cpuUsage.totalUsage
        stats.cpuUserNanos = cgroup.cpuStats.cpuUsage.usageInUsermode
        stats.cpuSystemNanos = cgroup.cpuStats.cpuUsage.usageInKernelmode
        stats.memoryUsage = cgroup.memoryStats.usage.usage
        stats.memoryLimit = cgroup.memoryStats.usage.limit
        stats.pidsCurrent = cgroup.pidsStats.current
        stats.pidsLimit = cgroup.pidsStats.limit
        return stats
    }

    public func listProcesses(containerID: String) async throws -> [Int32] {
        let reply = try await call(
            Methods.listProcesses,
            .with {
                $0.containerID = containerID
                $0.format = "json"
            })
        return try GuestProcessList.parse(Array(reply.processList), containerID: containerID)
    }

    public func updateContainer(id: String, resources: Resources) async throws {
        _ = try await call(
            Methods.updateContainer,
            .with {
                $0.containerID = id
                $0.resources = Grpc_LinuxResources(resources)
            })
    }

    public func execProcess(containerID: String, execID: String, process: Process) async throws {
        _ = try await call(
            Methods.execProcess,
            .with {
                $0.containerID = containerID
                $0.execID = execID
                $0.process = Grpc_Process(process)
            })
    }

    public func signalProcess(containerID: String, execID: String, signal: Int32) async throws {
        guard signal > 0 else { throw KataError(.invalidArgument, "signal \(signal) must be positive") }
        _ = try await call(
            Methods.signalProcess,
            .with {
                $0.containerID = containerID
                $0.execID = execID
                $0.signal = UInt32(signal)
            })
    }

    public func waitProcess(containerID: String, execID: String) async throws -> Int32 {
        try await call(
            Methods.waitProcess,
            .with {
                $0.containerID = containerID
                $0.execID = execID
            }, deadline: .unlimited
        ).status
    }

    public func writeStdin(containerID: String, execID: String, data: [UInt8]) async throws -> Int {
        let response = try await call(
            Methods.writeStdin,
            .with {
                $0.containerID = containerID
                $0.execID = execID
                $0.data = Data(data)
            })
        return Int(response.len)
    }

    public func readStdout(containerID: String, execID: String, maxBytes: Int) async throws -> [UInt8]? {
        try await read(Methods.readStdout, containerID: containerID, execID: execID, maxBytes: maxBytes)
    }

    public func readStderr(containerID: String, execID: String, maxBytes: Int) async throws -> [UInt8]? {
        try await read(Methods.readStderr, containerID: containerID, execID: execID, maxBytes: maxBytes)
    }

    /// The agent answers OutOfRange once the stream has ended and all of it was read: that is EOF.
    private func read(
        _ method: RPCMethod<Grpc_ReadStreamRequest, Grpc_ReadStreamResponse>, containerID: String,
        execID: String, maxBytes: Int
    ) async throws -> [UInt8]? {
        let request = Grpc_ReadStreamRequest.with {
            $0.containerID = containerID
            $0.execID = execID
            $0.len = UInt32(clamping: max(maxBytes, 1))
        }
        do {
            return [UInt8](
                try await client.call(
                    service: method.service, method: method.method, request: request,
                    responseType: Grpc_ReadStreamResponse.self
                ).data)
        } catch let error as TTRPCError where error.code == .outOfRange {
            return nil
        } catch let error as TTRPCError {
            throw error.kataError
        }
    }

    public func closeStdin(containerID: String, execID: String) async throws {
        _ = try await call(
            Methods.closeStdin,
            .with {
                $0.containerID = containerID
                $0.execID = execID
            })
    }

    public func resizeTerminal(containerID: String, execID: String, rows: UInt32, columns: UInt32)
        async throws
    {
        _ = try await call(
            Methods.ttyWinResize,
            .with {
                $0.containerID = containerID
                $0.execID = execID
                $0.row = rows
                $0.column = columns
            })
    }

    public func getMetrics() async throws -> String {
        try await call(Methods.getMetrics, Grpc_GetMetricsRequest()).metrics
    }

    public func getGuestDetails() async throws -> GuestDetails {
        let response = try await call(
            Methods.getGuestDetails,
            .with {
                $0.memBlockSize = true
                $0.memHotplugProbe = true
            })
        return GuestDetails(
            memoryBlockSizeBytes: response.memBlockSizeBytes, agentVersion: response.agentDetails.version)
    }

    public func setGuestDateTime(seconds: Int64, microseconds: Int64) async throws {
        _ = try await call(
            Methods.setGuestDateTime,
            .with {
                $0.sec = seconds
                $0.usec = microseconds
            })
    }

    public func getOOMEvent() async throws -> String {
        try await call(Methods.getOOMEvent, Grpc_GetOOMEventRequest(), deadline: .unlimited).containerID
    }

    public func onlineCPUMem(cpus: UInt32, cpuOnly: Bool) async throws {
        _ = try await call(
            Methods.onlineCPUMem,
            .with {
                $0.nbCpus = cpus
                $0.cpuOnly = cpuOnly
                $0.wait = true
            })
    }

    /// Sends the file in chunks well below ttrpc's frame limit; each lands at its offset.
    public func copyFile(_ file: GuestFile) async throws {
        let chunk = 1 << 20
        var offset = 0
        repeat {
            let end = min(offset + chunk, file.contents.count)
            _ = try await call(
                Methods.copyFile,
                .with {
                    $0.path = file.path
                    $0.fileSize = Int64(file.contents.count)
                    $0.fileMode = file.mode
                    $0.dirMode = file.directoryMode
                    $0.uid = file.uid
                    $0.gid = file.gid
                    $0.offset = Int64(offset)
                    $0.data = Data(file.contents[offset..<end])
                })
            offset = end
        } while offset < file.contents.count
    }

    public func reseedRandomDevice(data: [UInt8]) async throws {
        _ = try await call(Methods.reseedRandomDev, .with { $0.data = Data(data) })
    }

    enum Deadline {
        /// `requestTimeout`.
        case standard
        /// Calls that wait for a container or a guest event.
        case unlimited
        case after(Duration)
    }

    /// One call; errors become `KataError`.
    func call<Request, Response>(
        _ method: RPCMethod<Request, Response>, _ request: Request, deadline: Deadline = .standard
    ) async throws -> Response {
        let timeout: Duration? =
            switch deadline {
            case .standard: requestTimeout
            case .unlimited: nil
            case .after(let duration): duration
            }
        do {
            return try await client.call(
                service: method.service, method: method.method, request: request, responseType: Response.self,
                options: TTRPCCallOptions(timeout: timeout))
        } catch let error as TTRPCError {
            throw error.kataError
        }
    }
}

extension Grpc_Storage {
    init(_ storage: Storage) {
        self.init()
        driver = storage.driver
        source = storage.source
        fstype = storage.fsType
        options = storage.options
        mountPoint = storage.mountPoint
        driverOptions = storage.driverOptions
    }
}
