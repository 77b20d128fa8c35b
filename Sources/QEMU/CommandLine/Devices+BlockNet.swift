import Host

/// `-drive if=none,... | -blockdev ... -device virtio-blk-pci,drive=`: a disk image.
public struct VirtioBlock: QEMUArgumentConvertible, Equatable {
    public enum Format: String, Sendable, Equatable {
        case raw
        case qcow2
    }

    /// How the image is attached: legacy `-drive` or a `-blockdev` node graph (format over file).
    public enum Backend: Sendable, Equatable {
        case drive
        case blockdev
    }

    public var id: String
    public var path: String
    public var format: Format
    public var readOnly: Bool
    /// O_DIRECT on the host file (`cache.direct=on`).
    public var directIO: Bool
    public var backend: Backend
    public var placement: PCIPlacement?

    public init(
        id: String, path: String, format: Format = .raw, readOnly: Bool = false, directIO: Bool = false,
        backend: Backend = .blockdev, placement: PCIPlacement? = nil
    ) {
        self.id = id
        self.path = path
        self.format = format
        self.readOnly = readOnly
        self.directIO = directIO
        self.backend = backend
        self.placement = placement
    }

    public var nodeName: String { "drive-\(id)" }

    public var qemuArguments: [String] {
        var host: [String]
        switch backend {
        case .drive:
            var drive = OptionString()
            drive.add("id", nodeName)
            drive.add("file", path)
            drive.add("format", format.rawValue)
            drive.add("if", "none")
            if readOnly { drive.add("readonly", true) }
            if directIO { drive.add("cache.direct", true) }
            host = ["-drive", drive.rendered]
        case .blockdev:
            var node = OptionString()
            node.add("driver", format.rawValue)
            node.add("node-name", nodeName)
            node.add("file.driver", "file")
            node.add("file.filename", path)
            if directIO { node.add("file.cache.direct", true) }
            if readOnly { node.add("read-only", true) }
            host = ["-blockdev", node.rendered]
        }
        var device = OptionString("virtio-blk-pci")
        device.add("id", id)
        placement?.add(to: &device)
        device.add("drive", nodeName)
        return host + ["-device", device.rendered]
    }
}

/// `-netdev tap,... -device virtio-net-pci,netdev=,mac=`: a NIC on a host tap device.
public struct VirtioNet: QEMUArgumentConvertible, Equatable {
    public var id: String
    /// The tap interface name (QEMU opens it) ...
    public var tapInterface: String?
    /// ... or tap descriptors already opened by the runtime, one per queue.
    public var tapFDs: [Int32]
    public var vhost: Bool?
    public var macAddress: String?
    /// Empty string disables the option ROM (saves boot time; the guest kernel needs none).
    public var romFile: String?
    public var placement: PCIPlacement?

    public init(
        id: String, tapInterface: String? = nil, tapFDs: [Int32] = [], vhost: Bool? = nil,
        macAddress: String? = nil, romFile: String? = nil, placement: PCIPlacement? = nil
    ) {
        self.id = id
        self.tapInterface = tapInterface
        self.tapFDs = tapFDs
        self.vhost = vhost
        self.macAddress = macAddress
        self.romFile = romFile
        self.placement = placement
    }

    public var netdevID: String { "netdev-\(id)" }

    public var qemuArguments: [String] {
        var netdev = OptionString("tap")
        netdev.add("id", netdevID)
        netdev.add("ifname", tapInterface)
        if tapFDs.count == 1 {
            netdev.add("fd", String(tapFDs[0]))
        } else if !tapFDs.isEmpty {
            // A colon list is QEMU's syntax for several queue descriptors.
            netdev.add("fds", tapFDs.map(String.init).joined(separator: ":"))
        } else {
            netdev.add("script", "no")
            netdev.add("downscript", "no")
        }
        netdev.add("vhost", vhost)
        var device = OptionString("virtio-net-pci")
        device.add("id", id)
        placement?.add(to: &device)
        device.add("netdev", netdevID)
        device.add("mac", macAddress)
        device.add("romfile", romFile)
        return ["-netdev", netdev.rendered, "-device", device.rendered]
    }

    /// Attaching to a tap interface by name (TUNSETIFF) needs CAP_NET_ADMIN; passed
    /// descriptors need nothing.
    public var hostCapabilities: CapabilitySet {
        tapInterface != nil && tapFDs.isEmpty ? .networkAdmin : .empty
    }
}
