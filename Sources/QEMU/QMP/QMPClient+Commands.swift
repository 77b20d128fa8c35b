import KataCore

/// `query-status`: the run state ("running", "paused", "prelaunch", "shutdown", ...).
public struct QMPStatus: Sendable, Equatable {
    public var status: String
    public var running: Bool
}

/// One vCPU from `query-cpus-fast`.
public struct QMPCPUInfo: Sendable, Equatable {
    public var cpuIndex: Int
    public var qomPath: String
    public var threadID: Int
}

extension QMPClient {
    public func queryStatus() async throws -> QMPStatus {
        let reply = try await execute("query-status").objectValue("query-status")
        return QMPStatus(
            status: try reply.string("status", in: "query-status"),
            running: try reply.bool("running", in: "query-status"))
    }

    public func queryVersion() async throws -> QMPVersion {
        try QMPVersion(try await execute("query-version").objectValue("query-version"))
    }

    public func queryCPUsFast() async throws -> [QMPCPUInfo] {
        try await execute("query-cpus-fast").arrayValue("query-cpus-fast").map { value in
            let cpu = try value.objectValue("query-cpus-fast[]")
            return QMPCPUInfo(
                cpuIndex: Int(try cpu.int("cpu-index", in: "query-cpus-fast[]")),
                qomPath: try cpu.string("qom-path", in: "query-cpus-fast[]"),
                threadID: Int(try cpu.int("thread-id", in: "query-cpus-fast[]")))
        }
    }

    /// Pauses the vCPUs (QEMU emits STOP).
    public func stop() async throws { try await execute("stop") }

    /// Resumes the vCPUs (QEMU emits RESUME).
    public func cont() async throws { try await execute("cont") }

    /// Presses the ACPI power button; the guest decides whether to shut down.
    public func systemPowerdown() async throws { try await execute("system_powerdown") }

    /// Asks QEMU to exit. QEMU may close the socket right after its reply, so a closed
    /// connection counts as success.
    public func quit(timeout: Duration = .seconds(5)) async throws {
        do {
            try await execute("quit", timeout: timeout)
        } catch let error as KataError where error.code == .failedPrecondition {
            return
        }
    }

    // MARK: Hotplug

    public func deviceAdd(driver: String, id: String, properties: JSONObject = JSONObject()) async throws {
        var arguments: JSONObject = ["driver": .string(driver), "id": .string(id)]
        for (key, value) in properties.entries { arguments[key] = value }
        try await execute("device_add", arguments: arguments)
    }

    /// Unplugs a device and returns once QEMU reports DEVICE_DELETED for it (unplug of PCI
    /// devices needs the guest's cooperation, hence the timeout).
    public func deviceDel(id: String, timeout: Duration = .seconds(10)) async throws {
        _ = try await execute("device_del", arguments: ["id": .string(id)], timeout: timeout) { event in
            event.name == "DEVICE_DELETED" && event.data["device"] == .string(id)
        }
    }

    /// `blockdev-add` with a BlockdevOptions object (`driver`, `node-name`, ...).
    public func blockdevAdd(_ options: JSONObject) async throws {
        try await execute("blockdev-add", arguments: options)
    }

    public func blockdevDel(nodeName: String) async throws {
        try await execute("blockdev-del", arguments: ["node-name": .string(nodeName)])
    }

    /// `chardev-add` with a ChardevBackend object, e.g. `{"type":"null","data":{}}`.
    public func chardevAdd(id: String, backend: JSONObject) async throws {
        try await execute("chardev-add", arguments: ["id": .string(id), "backend": .object(backend)])
    }

    public func chardevRemove(id: String) async throws {
        try await execute("chardev-remove", arguments: ["id": .string(id)])
    }

    /// `netdev_add` of `type` (tap, user, ...) with its options.
    public func netdevAdd(type: String, id: String, options: JSONObject = JSONObject()) async throws {
        var arguments: JSONObject = ["type": .string(type), "id": .string(id)]
        for (key, value) in options.entries { arguments[key] = value }
        try await execute("netdev_add", arguments: arguments)
    }

    public func netdevDel(id: String) async throws {
        try await execute("netdev_del", arguments: ["id": .string(id)])
    }
}
