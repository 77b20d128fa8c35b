import GuestAgent
import KataCore
import Protocols
import SwiftProtobuf

#if canImport(Glibc)
    import Glibc
#endif

/// A request from the host, checked before the agent acts on it: in the confidential model the
/// host is not trusted, so every id, path and number it sends is hostile until `validate`
/// passed. Every method `AgentService` registers takes a `ValidatedRequest`, so none can skip
/// it. `validate` is pure (no I/O, no agent state), for unit tests and fuzzers.
package protocol ValidatedRequest: SwiftProtobuf.Message {
    /// Throws `invalidArgument` (gRPC InvalidArgument) naming the field at fault.
    func validate(_ paths: GuestPaths) throws
}

/// Checks shared by several requests.
enum RequestCheck {
    /// An exec id, or empty for the container's init process.
    static func execID(_ value: String, field: String = "exec_id") throws {
        if !value.isEmpty { try Identifier.validate(value, field: field) }
    }

    /// A relative path (under a directory the agent picks) without NUL, "." or "..".
    static func relativePath(_ value: String, field: String) throws {
        let parts = value.split(separator: "/", omittingEmptySubsequences: true)
        guard !value.utf8.contains(0), value.utf8.count <= Int(PATH_MAX),
            !parts.contains(where: { $0 == "." || $0 == ".." })
        else {
            throw KataError(
                .invalidArgument, "\(field) \"\(value)\": must not have NUL, \".\" or \"..\" parts")
        }
    }

    /// A spec mount: an absolute destination without "." or ".." parts (crun resolves it in
    /// the container's root); a bind mount's source must be a guest path below the storage
    /// root (what the runtime shared, copied or mounted there), never another guest path.
    static func mount(_ mount: Grpc_Mount, field: String, paths: GuestPaths) throws {
        guard mount.destination.hasPrefix("/") else {
            throw KataError(
                .invalidArgument,
                "\(field).destination \"\(mount.destination.prefix(256))\": must be absolute")
        }
        try relativePath(mount.destination, field: "\(field).destination")
        let isBind = mount.type == "bind" || mount.options.contains("bind") || mount.options.contains("rbind")
        if isBind {
            _ = try BeneathPath.components(
                of: mount.source, below: paths.storageRoot, field: "\(field).source")
        }
    }

    /// A plain string the kernel takes as a C string, at most `maxBytes` long.
    static func text(_ value: String, field: String, maxBytes: Int) throws {
        guard !value.utf8.contains(0), value.utf8.count <= maxBytes else {
            throw KataError(.invalidArgument, "\(field): at most \(maxBytes) bytes, without NUL")
        }
    }
}

extension Grpc_Storage {
    func validate(_ paths: GuestPaths, field: String) throws {
        do {
            if driver == BlockRootStorage.driver {
                _ = try BlockRootStorage(self, root: paths.storageRoot)
                return
            }
            _ = try StorageMount(
                driver: driver, source: source, fsType: fstype, options: options, mountPoint: mountPoint,
                root: paths.storageRoot)
        } catch let error as KataError {
            throw KataError(error.code, "\(field): \(error.message)")
        }
    }
}

extension Grpc_CreateSandboxRequest: ValidatedRequest {
    /// sethostname(2) takes at most HOST_NAME_MAX (64) bytes.
    static let maxHostnameBytes = 64
    /// resolv.conf lines the guest takes (a resolver reads a few; kubelet writes fewer).
    static let maxDNSLines = 64
    static let maxDNSLineBytes = 1024

    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(sandboxID, field: "sandbox_id")
        try RequestCheck.text(hostname, field: "hostname", maxBytes: Self.maxHostnameBytes)
        guard dns.count <= Self.maxDNSLines else {
            throw KataError(.invalidArgument, "dns: at most \(Self.maxDNSLines) lines")
        }
        for (index, line) in dns.enumerated() {
            try RequestCheck.text(line, field: "dns[\(index)]", maxBytes: Self.maxDNSLineBytes)
            guard !line.contains("\n") && !line.contains("\r") else {
                throw KataError(.invalidArgument, "dns[\(index)]: one line (no line break)")
            }
        }
        for (index, storage) in storages.enumerated() {
            try storage.validate(paths, field: "storages[\(index)]")
        }
    }
}

extension Grpc_CreateContainerRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
        try RequestCheck.execID(execID)
        guard hasOci else {
            throw KataError(.invalidArgument, "OCI: CreateContainer \(containerID) has no spec")
        }
        for (index, storage) in storages.enumerated() {
            try storage.validate(paths, field: "storages[\(index)]")
        }
        let rootPath = oci.root.path
        if rootPath.hasPrefix("/") {
            _ = try BeneathPath.components(of: rootPath, below: paths.storageRoot, field: "OCI.root.path")
        } else {
            try RequestCheck.relativePath(rootPath, field: "OCI.root.path")
        }
        for (index, mount) in oci.mounts.enumerated() {
            try RequestCheck.mount(mount, field: "OCI.mounts[\(index)]", paths: paths)
        }
        // crun takes a plain path as is; a systemd-style one ("slice:prefix:name") is replaced.
        let cgroupsPath = oci.linux.cgroupsPath
        if !cgroupsPath.contains(":") {
            try RequestCheck.relativePath(cgroupsPath, field: "OCI.linux.cgroups_path")
        }
    }
}

extension Grpc_StartContainerRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
    }
}

extension Grpc_RemoveContainerRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
    }
}

extension Grpc_PauseContainerRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
    }
}

extension Grpc_ResumeContainerRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
    }
}

extension Grpc_ListProcessesRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
        guard format == "json" else {
            throw KataError(.notImplemented, "ListProcesses: format \"\(format.prefix(32))\" (only \"json\")")
        }
    }
}

extension Grpc_StatsContainerRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
    }
}

extension Grpc_UpdateContainerRequest: ValidatedRequest {
    /// The limits themselves are clamped into the kernel's ranges when written.
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
    }
}

extension Grpc_ExecProcessRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
        try Identifier.validate(execID, field: "exec_id")  // an exec always has its own id
        guard hasProcess else { throw KataError(.invalidArgument, "process: ExecProcess \(execID) has none") }
    }
}

extension Grpc_SignalProcessRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
        try RequestCheck.execID(execID)
        _ = try SignalNumber.validate(signal, field: "signal")
    }
}

extension Grpc_WaitProcessRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
        try RequestCheck.execID(execID)
    }
}

extension Grpc_WriteStreamRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
        try RequestCheck.execID(execID)
    }
}

extension Grpc_ReadStreamRequest: ValidatedRequest {
    /// `len` is capped at `AgentService.maxReadBytes` when read.
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
        try RequestCheck.execID(execID)
    }
}

extension Grpc_CloseStdinRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
        try RequestCheck.execID(execID)
    }
}

extension Grpc_TtyWinResizeRequest: ValidatedRequest {
    /// Rows and columns are clamped to the kernel's 16 bits.
    package func validate(_ paths: GuestPaths) throws {
        try Identifier.validate(containerID, field: "container_id")
        try RequestCheck.execID(execID)
    }
}

extension Grpc_CopyFileRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        _ = try BeneathPath.components(of: path, below: paths.copyFileRoot, field: "path")
        guard offset >= 0 else { throw KataError(.invalidArgument, "offset \(offset): must not be negative") }
        guard fileSize >= 0 else {
            throw KataError(.invalidArgument, "file_size \(fileSize): must not be negative")
        }
        guard !offset.addingReportingOverflow(Int64(data.count)).overflow else {
            throw KataError(.invalidArgument, "offset \(offset) + \(data.count) bytes of data overflows")
        }
    }
}

extension Grpc_SetGuestDateTimeRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        guard (0..<1_000_000).contains(usec) else {
            throw KataError(.invalidArgument, "usec \(usec): out of range 0..<1000000")
        }
        guard sec >= 0 else { throw KataError(.invalidArgument, "sec \(sec): must not be negative") }
    }
}

extension Grpc_ReseedRandomDevRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        guard !data.isEmpty else { throw KataError(.invalidArgument, "data: ReseedRandomDev needs some") }
    }
}

/// Requests with nothing to check: no ids, paths or numbers the agent uses unchecked.
extension Grpc_CheckRequest: ValidatedRequest { package func validate(_ paths: GuestPaths) throws {} }
extension Grpc_DestroySandboxRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {}
}
extension Grpc_GuestDetailsRequest: ValidatedRequest { package func validate(_ paths: GuestPaths) throws {} }
extension Grpc_OnlineCPUMemRequest: ValidatedRequest { package func validate(_ paths: GuestPaths) throws {} }
extension Grpc_GetOOMEventRequest: ValidatedRequest { package func validate(_ paths: GuestPaths) throws {} }
extension Grpc_GetMetricsRequest: ValidatedRequest { package func validate(_ paths: GuestPaths) throws {} }
