import Host

/// Where a PCI device sits: a bus (`pcie.0`, a root port id) and an optional slot address.
public struct PCIPlacement: Sendable, Equatable {
    public var bus: String
    public var address: String?

    public init(bus: String, address: String? = nil) {
        self.bus = bus
        self.address = address
    }

    func add(to options: inout OptionString) {
        options.add("bus", bus)
        options.add("addr", address)
    }
}

/// `-device virtio-serial-pci,id=ID`: the bus that virtserialports attach to.
public struct VirtioSerial: QEMUArgumentConvertible, Equatable {
    public var id: String
    public var placement: PCIPlacement?

    public init(id: String, placement: PCIPlacement? = nil) {
        self.id = id
        self.placement = placement
    }

    public var qemuArguments: [String] {
        var options = OptionString("virtio-serial-pci")
        options.add("id", id)
        placement?.add(to: &options)
        return ["-device", options.rendered]
    }
}

/// `-chardev socket,... -device virtserialport,chardev=,name=`: a named port whose host end is a
/// listening unix socket (how the agent is reached where there is no vsock).
public struct VirtSerialPort: QEMUArgumentConvertible, Equatable {
    public var name: String
    public var chardevID: String
    public var socketPath: String
    /// `serial0.0`-style bus of a specific virtio-serial device; nil lets QEMU pick.
    public var bus: String?

    public init(name: String, chardevID: String, socketPath: String, bus: String? = nil) {
        self.name = name
        self.chardevID = chardevID
        self.socketPath = socketPath
        self.bus = bus
    }

    public var qemuArguments: [String] {
        var options = OptionString("virtserialport")
        options.add("bus", bus)
        options.add("chardev", chardevID)
        options.add("name", name)
        return Chardev(id: chardevID, backend: .socket(path: socketPath, server: true, wait: false))
            .qemuArguments + ["-device", options.rendered]
    }
}

/// `-device vhost-vsock-pci,id=,guest-cid=[,vhostfd=]`
public struct VhostVsock: QEMUArgumentConvertible, Equatable {
    public var id: String
    public var guestCID: UInt32
    /// An already opened /dev/vhost-vsock descriptor passed to QEMU.
    public var vhostFD: Int32?
    public var placement: PCIPlacement?

    public init(id: String, guestCID: UInt32, vhostFD: Int32? = nil, placement: PCIPlacement? = nil) {
        self.id = id
        self.guestCID = guestCID
        self.vhostFD = vhostFD
        self.placement = placement
    }

    public var qemuArguments: [String] {
        var options = OptionString("vhost-vsock-pci")
        options.add("id", id)
        placement?.add(to: &options)
        options.add("guest-cid", Int(guestCID))
        options.add("vhostfd", vhostFD.map { Int($0) })
        return ["-device", options.rendered]
    }
}

/// `-fsdev local,... -device virtio-9p-pci,fsdev=,mount_tag=`: a host directory over 9p.
public struct Virtio9P: QEMUArgumentConvertible, Equatable {
    public enum SecurityModel: String, Sendable, Equatable {
        case none
        case passthrough
        case mappedXattr = "mapped-xattr"
    }

    public var id: String
    public var path: String
    public var mountTag: String
    public var securityModel: SecurityModel
    public var readOnly: Bool
    public var placement: PCIPlacement?

    public init(
        id: String, path: String, mountTag: String, securityModel: SecurityModel = .none,
        readOnly: Bool = false, placement: PCIPlacement? = nil
    ) {
        self.id = id
        self.path = path
        self.mountTag = mountTag
        self.securityModel = securityModel
        self.readOnly = readOnly
        self.placement = placement
    }

    public var fsdevID: String { "fsdev-\(id)" }

    public var qemuArguments: [String] {
        var fsdev = OptionString("local")
        fsdev.add("id", fsdevID)
        fsdev.add("path", path)
        fsdev.add("security_model", securityModel.rawValue)
        if readOnly { fsdev.add("readonly", true) }
        var device = OptionString("virtio-9p-pci")
        device.add("id", id)
        placement?.add(to: &device)
        device.add("fsdev", fsdevID)
        device.add("mount_tag", mountTag)
        return ["-fsdev", fsdev.rendered, "-device", device.rendered]
    }

    /// QEMU serves the share as root: it reads files of any owner, and on a writable share
    /// gives what the guest creates its owner and mode.
    public var hostCapabilities: CapabilitySet { readOnly ? .fileRead : .fileWrite }
}

/// `-chardev socket,path=SOCK -device vhost-user-fs-pci,chardev=,tag=`: virtio-fs served by a
/// virtiofsd process on SOCK. Guest RAM must be a shared memory backend.
public struct VhostUserFS: QEMUArgumentConvertible, Equatable {
    public var id: String
    public var socketPath: String
    public var tag: String
    public var queueSize: Int?
    public var placement: PCIPlacement?

    public init(
        id: String, socketPath: String, tag: String, queueSize: Int? = nil, placement: PCIPlacement? = nil
    ) {
        self.id = id
        self.socketPath = socketPath
        self.tag = tag
        self.queueSize = queueSize
        self.placement = placement
    }

    public var chardevID: String { "char-\(id)" }

    public var qemuArguments: [String] {
        var device = OptionString("vhost-user-fs-pci")
        device.add("id", id)
        placement?.add(to: &device)
        device.add("chardev", chardevID)
        device.add("tag", tag)
        device.add("queue-size", queueSize)
        return Chardev(id: chardevID, backend: .socket(path: socketPath, server: false, wait: false))
            .qemuArguments + ["-device", device.rendered]
    }
}

/// `-object rng-random,id=,filename= -device virtio-rng-pci,rng=`
public struct VirtioRNG: QEMUArgumentConvertible, Equatable {
    public var id: String
    public var source: String
    public var placement: PCIPlacement?

    public init(id: String, source: String = "/dev/urandom", placement: PCIPlacement? = nil) {
        self.id = id
        self.source = source
        self.placement = placement
    }

    public var backendID: String { "rng-\(id)" }

    public var qemuArguments: [String] {
        var object = OptionString("rng-random")
        object.add("id", backendID)
        object.add("filename", source)
        var device = OptionString("virtio-rng-pci")
        device.add("id", id)
        placement?.add(to: &device)
        device.add("rng", backendID)
        return ["-object", object.rendered, "-device", device.rendered]
    }
}

/// `-device pcie-root-port,id=,bus=,chassis=,slot=`: a hotplug slot on q35.
public struct PCIeRootPort: QEMUArgumentConvertible, Equatable {
    public var id: String
    public var bus: String
    public var chassis: Int
    public var slot: Int
    public var address: String?

    public init(id: String, bus: String = "pcie.0", chassis: Int, slot: Int, address: String? = nil) {
        self.id = id
        self.bus = bus
        self.chassis = chassis
        self.slot = slot
        self.address = address
    }

    public var qemuArguments: [String] {
        var options = OptionString("pcie-root-port")
        options.add("id", id)
        options.add("bus", bus)
        options.add("addr", address)
        options.add("chassis", chassis)
        options.add("slot", slot)
        return ["-device", options.rendered]
    }
}
