import KataCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// What is persisted about a sandbox so that `containerd-shim-kata-v2 delete` can clean up
/// after a shim that died: the VM's pid and the mounts the shim made.
public struct SandboxState: Sendable, Equatable, Codable {
    public var paths: SandboxPaths
    public var hypervisorPID: Int32?
    /// Host mount points this sandbox made (container root filesystems), in mount order.
    public var mounts: [String]
    public var containers: [String]
    /// The launch measurement computed before the VM started (`kata-runtime measure --sandbox`);
    /// nil for an ordinary VM and in state files written before it existed.
    public var measurement: ExpectedMeasurement?
    /// The Kubernetes pod the sandbox is, for kata-monitor's labels; nil outside the CRI.
    public var pod: PodIdentity?
    /// The taps and qdiscs made in the pod's network namespace; nil without a pod network.
    public var network: NetworkState?

    public init(
        paths: SandboxPaths, hypervisorPID: Int32? = nil, mounts: [String] = [], containers: [String] = [],
        measurement: ExpectedMeasurement? = nil
    ) {
        self.paths = paths
        self.hypervisorPID = hypervisorPID
        self.mounts = mounts
        self.containers = containers
        self.measurement = measurement
    }

    /// Writes the state atomically (temp file + rename), so a crash never leaves half a file.
    public func save() throws {
        try makeDirectories(paths.stateDirectory, mode: 0o711)
        let data = try JSONEncoder().encode(self)
        try FileOps.writeAtomically(paths.stateFile, Array(data))
    }

    public static func load(_ paths: SandboxPaths) throws -> SandboxState {
        let bytes = try readFileBytes(paths.stateFile)
        do {
            return try JSONDecoder().decode(SandboxState.self, from: Data(bytes))
        } catch {
            throw KataError(.malformedInput, "\(paths.stateFile): \(error)")
        }
    }
}
