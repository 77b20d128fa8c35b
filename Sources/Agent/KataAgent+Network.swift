/// The pod network as the guest must configure it: what the runtime read from the CNI-made
/// interfaces of the pod's network namespace (UpdateInterface, UpdateRoutes, AddARPNeighbors).
public struct GuestInterface: Sendable, Equatable {
    /// The name the guest gives its NIC (the veth's, e.g. `eth0`).
    public var name: String
    /// How the guest finds its NIC: the MAC the host gave the virtio-net device.
    public var macAddress: String
    public var mtu: UInt64
    public var addresses: [GuestIPAddress]

    public init(name: String, macAddress: String, mtu: UInt64, addresses: [GuestIPAddress]) {
        self.name = name
        self.macAddress = macAddress
        self.mtu = mtu
        self.addresses = addresses
    }
}

public struct GuestIPAddress: Sendable, Equatable {
    public var address: String
    public var prefixLength: Int
    public var isIPv6: Bool

    public init(address: String, prefixLength: Int, isIPv6: Bool) {
        self.address = address
        self.prefixLength = prefixLength
        self.isIPv6 = isIPv6
    }
}

public struct GuestRoute: Sendable, Equatable {
    /// `ADDRESS/PREFIX`, or empty for the default route.
    public var destination: String
    /// Empty for a directly connected route.
    public var gateway: String
    public var device: String
    /// The preferred source address, or empty.
    public var source: String
    public var scope: UInt32
    public var isIPv6: Bool

    public init(
        destination: String, gateway: String, device: String, source: String, scope: UInt32, isIPv6: Bool
    ) {
        self.destination = destination
        self.gateway = gateway
        self.device = device
        self.source = source
        self.scope = scope
        self.isIPv6 = isIPv6
    }
}

public struct GuestNeighbour: Sendable, Equatable {
    public var address: String
    public var isIPv6: Bool
    public var device: String
    public var macAddress: String
    /// NUD_* state bits (permanent entries only, as the host had them).
    public var state: Int32
    public var flags: Int32

    public init(address: String, isIPv6: Bool, device: String, macAddress: String, state: Int32, flags: Int32)
    {
        self.address = address
        self.isIPv6 = isIPv6
        self.device = device
        self.macAddress = macAddress
        self.state = state
        self.flags = flags
    }
}
