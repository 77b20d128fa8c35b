import OCI

/// What the runtime asks of the agent inside a guest, in runtime-owned types. The ttrpc
/// implementation (`grpc.AgentService`) translates these in one place; tests may implement it
/// over anything else.
///
/// Process addressing follows the agent protocol: a container id and an exec id, where an
/// empty exec id means the container's init process.
public protocol KataAgent: Sendable {
    /// Health.Check: true when the agent serves.
    func check() async throws -> Bool
    /// Health.Check that fails with `.timeout` unless answered within `timeout` (the
    /// sandbox watchdog's probe).
    func check(timeout: Duration) async throws -> Bool
    func version() async throws -> AgentVersion

    func createSandbox(_ sandbox: SandboxRequest) async throws
    func destroySandbox() async throws

    func createContainer(_ container: ContainerRequest) async throws
    func startContainer(id: String) async throws
    func removeContainer(id: String, timeoutSeconds: UInt32) async throws
    func pauseContainer(id: String) async throws
    func resumeContainer(id: String) async throws
    func statsContainer(id: String) async throws -> ContainerStats
    /// The container's processes as the guest numbers them, its init process first
    /// (ListProcesses, format "json"). An agent without the method throws `.notImplemented`.
    func listProcesses(containerID: String) async throws -> [Int32]
    func updateContainer(id: String, resources: Resources) async throws

    func execProcess(containerID: String, execID: String, process: Process) async throws
    func signalProcess(containerID: String, execID: String, signal: Int32) async throws
    /// The process's exit code: 128 + n when signal n killed it.
    func waitProcess(containerID: String, execID: String) async throws -> Int32
    /// Returns how many bytes the agent took.
    func writeStdin(containerID: String, execID: String, data: [UInt8]) async throws -> Int
    /// Up to `maxBytes` of output; nil once the stream has ended and everything was read.
    func readStdout(containerID: String, execID: String, maxBytes: Int) async throws -> [UInt8]?
    func readStderr(containerID: String, execID: String, maxBytes: Int) async throws -> [UInt8]?
    func closeStdin(containerID: String, execID: String) async throws
    func resizeTerminal(containerID: String, execID: String, rows: UInt32, columns: UInt32) async throws

    /// Prometheus text about the guest.
    func getMetrics() async throws -> String
    func getGuestDetails() async throws -> GuestDetails
    func setGuestDateTime(seconds: Int64, microseconds: Int64) async throws
    /// Blocks until a container is killed by the OOM killer; returns its id.
    func getOOMEvent() async throws -> String
    /// Brings hot-plugged CPUs (up to `cpus`, all when 0) and, unless `cpuOnly`, memory online.
    func onlineCPUMem(cpus: UInt32, cpuOnly: Bool) async throws
    /// Writes a file into the guest (only under /run/kata-containers), in chunks.
    func copyFile(_ file: GuestFile) async throws
    /// Mixes `data` into the guest's entropy pool and reseeds its CRNG.
    func reseedRandomDevice(data: [UInt8]) async throws

    /// Configures the guest NIC whose MAC is `interface.macAddress`: name, MTU, addresses, up.
    func updateInterface(_ interface: GuestInterface) async throws
    /// Replaces the guest's routes on the named devices with `routes`.
    func updateRoutes(_ routes: [GuestRoute]) async throws
    func addARPNeighbors(_ neighbours: [GuestNeighbour]) async throws

    /// Closes the connection. Calls after this fail.
    func close() async
}

public struct AgentVersion: Sendable, Equatable {
    public var agentVersion: String
    public var grpcVersion: String
    public init(agentVersion: String, grpcVersion: String) {
        self.agentVersion = agentVersion
        self.grpcVersion = grpcVersion
    }
}

/// A filesystem the agent mounts in the guest (the agent protocol's `Storage`).
public struct Storage: Sendable, Equatable {
    public var driver: String
    public var source: String
    public var fsType: String
    public var options: [String]
    public var mountPoint: String
    /// The driver's own `key=value` settings (agent.proto `Storage.driver_options`), e.g.
    /// `verity_info=<JSON>` for a dm-verity protected block device.
    public var driverOptions: [String]

    public init(
        driver: String, source: String, fsType: String, options: [String], mountPoint: String,
        driverOptions: [String] = []
    ) {
        self.driver = driver
        self.source = source
        self.fsType = fsType
        self.options = options
        self.mountPoint = mountPoint
        self.driverOptions = driverOptions
    }

    /// The sandbox's virtio-9p share, mounted where container root filesystems appear.
    public static func virtio9p(tag: String, mountPoint: String, msize: UInt32) -> Storage {
        Storage(
            driver: "9p", source: tag, fsType: "9p",
            options: ["trans=virtio", "version=9p2000.L", "msize=\(msize)", "nodev"], mountPoint: mountPoint)
    }
}

public struct SandboxRequest: Sendable, Equatable {
    public var hostname: String
    public var sandboxID: String
    public var storages: [Storage]
    public var kernelModules: [String]
    /// The lines of the pod's resolv.conf; the agent writes them as the guest's.
    public var dns: [String]
    public init(
        hostname: String, sandboxID: String, storages: [Storage], kernelModules: [String] = [],
        dns: [String] = []
    ) {
        self.dns = dns
        self.hostname = hostname
        self.sandboxID = sandboxID
        self.storages = storages
        self.kernelModules = kernelModules
    }
}

public struct ContainerRequest: Sendable, Equatable {
    public var id: String
    public var execID: String
    /// The OCI spec as the guest must see it: `root.path` is a guest path.
    public var spec: Spec
    public var storages: [Storage]
    public init(id: String, execID: String = "", spec: Spec, storages: [Storage] = []) {
        self.id = id
        self.execID = execID
        self.spec = spec
        self.storages = storages
    }
}

public struct ContainerStats: Sendable, Equatable {
    public var memoryUsage: UInt64 = 0
    public var memoryLimit: UInt64 = 0
    public var cpuUsageNanos: UInt64 = 0
    public var cpuUserNanos: UInt64 = 0
    public var cpuSystemNanos: UInt64 = 0
    public var pidsCurrent: UInt64 = 0
    public var pidsLimit: UInt64 = 0
    public init() {}
}

public struct GuestDetails: Sendable, Equatable {
    public var memoryBlockSizeBytes: UInt64
    public var agentVersion: String
    public init(memoryBlockSizeBytes: UInt64, agentVersion: String) {
        self.memoryBlockSizeBytes = memoryBlockSizeBytes
        self.agentVersion = agentVersion
    }
}

/// A file the host copies into the guest (CopyFile).
public struct GuestFile: Sendable, Equatable {
    public var path: String
    public var contents: [UInt8]
    public var mode: UInt32
    public var directoryMode: UInt32
    public var uid: Int32
    public var gid: Int32
    public init(
        path: String, contents: [UInt8], mode: UInt32 = 0o644, directoryMode: UInt32 = 0o755, uid: Int32 = 0,
        gid: Int32 = 0
    ) {
        self.path = path
        self.contents = contents
        self.mode = mode
        self.directoryMode = directoryMode
        self.uid = uid
        self.gid = gid
    }
}
