import KataCore
import VirtualMachine

extension QEMUVirtualMachine {
    /// `blockdev-add` of a read-only raw node over the file, then `device_add virtio-blk-pci`
    /// on a free root port. Either step failing undoes the earlier one.
    public func attachReadOnlyBlockDevice(id: String, path: String, timeout: Duration) async throws
        -> GuestPCIPath
    {
        try Identifier.validate(id, field: "block device id")
        let port = try ports.reserve(for: id)
        let node = Self.nodeName(id)
        let qmp = instance.qmp
        do {
            _ = try await qmp.execute(
                "blockdev-add",
                arguments: [
                    "driver": .string("raw"), "node-name": .string(node), "read-only": .bool(true),
                    "file": .object([
                        "driver": .string("file"), "filename": .string(path), "read-only": .bool(true),
                    ]),
                ], timeout: timeout)
        } catch {
            ports.release(id)
            throw KataError(.remote, "hot-plug \(id): blockdev-add \(path): \(error)")
        }
        do {
            _ = try await qmp.execute(
                "device_add",
                arguments: [
                    "driver": .string("virtio-blk-pci"), "id": .string(Self.deviceID(id)),
                    "drive": .string(node),
                    "bus": .string(HotplugPorts.portID(port)), "addr": .string("0x0"),
                ], timeout: timeout)
        } catch {
            try? await qmp.blockdevDel(nodeName: node)
            ports.release(id)
            throw KataError(.remote, "hot-plug \(id): device_add on \(HotplugPorts.portID(port)): \(error)")
        }
        return try GuestPCIPath(slots: [UInt8(HotplugPorts.firstSlot + port), 0])
    }

    /// `device_del`, waiting for DEVICE_DELETED (the guest releases the device), then
    /// `blockdev-del`. The port is free again only once QEMU let go of the device.
    public func detachBlockDevice(id: String, timeout: Duration) async throws {
        guard ports.index(of: id) != nil else {
            throw KataError(.notFound, "block device \(id) is not attached")
        }
        let qmp = instance.qmp
        try await qmp.deviceDel(id: Self.deviceID(id), timeout: timeout)
        _ = try await qmp.execute(
            "blockdev-del", arguments: ["node-name": .string(Self.nodeName(id))], timeout: timeout)
        ports.release(id)
    }

    static func nodeName(_ id: String) -> String { "blk-\(id)" }
    static func deviceID(_ id: String) -> String { "dev-\(id)" }
}
