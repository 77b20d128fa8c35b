import KataCore

/// A link from RTM_NEWLINK (a dump's entries).
package struct LinkInfo: Sendable, Equatable {
    package var index: Int32
    package var name: String
    package var macAddress: MACAddress?
    package var mtu: UInt32
    package var flags: UInt32
    package var hardwareType: UInt16
    /// IFLA_INFO_KIND: "veth", "tun", "bridge"...; nil for a plain device.
    package var kind: String?

    package var isUp: Bool { flags & Netlink.interfaceUp != 0 }

    /// `ifinfomsg` (16 bytes) then attributes; a link without a valid name is refused.
    package init(payload: [UInt8]) throws {
        let reader = NetlinkReader(payload)
        hardwareType = try reader.u16(2, "ifinfomsg type")
        index = try reader.i32(4, "ifinfomsg index")
        flags = try reader.u32(8, "ifinfomsg flags")
        let attributes = try NetlinkAttributes(payload, from: 16)
        guard let name = attributes.string(Netlink.linkName), !name.isEmpty, name.utf8.count < 16 else {
            throw KataError(.malformedInput, "netlink: link \(index) has no valid IFLA_IFNAME")
        }
        self.name = name
        macAddress = attributes[Netlink.linkAddress].flatMap { MACAddress(bytes: $0) }
        mtu = attributes.u32(Netlink.linkMTU) ?? 0
        kind = try attributes[Netlink.linkInfo].flatMap { info in
            try NetlinkAttributes(info, from: 0).string(Netlink.linkInfoKind)
        }
    }
}

/// An address from RTM_NEWADDR.
package struct AddressInfo: Sendable, Equatable {
    package var index: Int32
    package var prefix: NetPrefix
    package var scope: UInt8

    /// `ifaddrmsg` (8 bytes) then attributes: IFA_LOCAL is the interface's own address (on a
    /// point-to-point link IFA_ADDRESS is the peer's), IFA_ADDRESS otherwise.
    package init(payload: [UInt8]) throws {
        let reader = NetlinkReader(payload)
        let length = Int(try reader.u8(1, "ifaddrmsg prefix length"))
        scope = try reader.u8(3, "ifaddrmsg scope")
        index = try reader.i32(4, "ifaddrmsg index")
        let attributes = try NetlinkAttributes(payload, from: 8)
        guard
            let address = (attributes[Netlink.addressLocal] ?? attributes[Netlink.addressAddress]).flatMap({
                NetAddress(bytes: $0)
            })
        else {
            throw KataError(.malformedInput, "netlink: address on link \(index) has no 4- or 16-byte address")
        }
        prefix = try NetPrefix(address: address, length: length)
    }
}

/// A route, as read from RTM_NEWROUTE or as sent to the guest's kernel.
package struct RouteInfo: Sendable, Equatable {
    package var family: UInt8
    /// nil: the default route.
    package var destination: NetPrefix?
    package var gateway: NetAddress?
    package var outputInterface: Int32?
    package var preferredSource: NetAddress?
    package var scope: UInt8
    package var table: UInt32 = UInt32(Netlink.tableMain)
    package var type: UInt8 = Netlink.typeUnicast

    package init(
        family: UInt8, destination: NetPrefix?, gateway: NetAddress?, outputInterface: Int32?,
        preferredSource: NetAddress?, scope: UInt8
    ) {
        self.family = family
        self.destination = destination
        self.gateway = gateway
        self.outputInterface = outputInterface
        self.preferredSource = preferredSource
        self.scope = scope
    }

    /// `rtmsg` (12 bytes) then attributes; RTA_TABLE overrides the 8-bit table.
    package init(payload: [UInt8]) throws {
        let reader = NetlinkReader(payload)
        family = try reader.u8(0, "rtmsg family")
        let length = Int(try reader.u8(1, "rtmsg dst_len"))
        table = UInt32(try reader.u8(4, "rtmsg table"))
        scope = try reader.u8(6, "rtmsg scope")
        type = try reader.u8(7, "rtmsg type")
        let attributes = try NetlinkAttributes(payload, from: 12)
        table = attributes.u32(Netlink.routeTable) ?? table
        let expected = family == Netlink.familyIPv4 ? 4 : 16
        func address(_ type: UInt16) throws -> NetAddress? {
            guard let bytes = attributes[type] else { return nil }
            guard bytes.count == expected, let address = NetAddress(bytes: bytes) else {
                throw KataError(.malformedInput, "netlink: route attribute \(type) is \(bytes.count) bytes")
            }
            return address
        }
        destination = try address(Netlink.routeDestination).map { try NetPrefix(address: $0, length: length) }
        if destination == nil && length != 0 {
            throw KataError(.malformedInput, "netlink: route with prefix length \(length) has no RTA_DST")
        }
        gateway = try address(Netlink.routeGateway)
        preferredSource = try address(Netlink.routePreferredSource)
        outputInterface = attributes.u32(Netlink.routeOutputInterface).map { Int32(bitPattern: $0) }
    }
}

/// A neighbour (ARP / NDP entry).
package struct NeighbourInfo: Sendable, Equatable {
    package var index: Int32
    package var destination: NetAddress
    package var linkAddress: MACAddress?
    package var state: UInt16
    package var flags: UInt8

    package init(index: Int32, destination: NetAddress, linkAddress: MACAddress?, state: UInt16, flags: UInt8)
    {
        self.index = index
        self.destination = destination
        self.linkAddress = linkAddress
        self.state = state
        self.flags = flags
    }

    /// `ndmsg` (12 bytes) then attributes.
    package init(payload: [UInt8]) throws {
        let reader = NetlinkReader(payload)
        index = try reader.i32(4, "ndmsg index")
        state = try reader.u16(8, "ndmsg state")
        flags = try reader.u8(10, "ndmsg flags")
        let attributes = try NetlinkAttributes(payload, from: 12)
        guard let destination = attributes[Netlink.neighbourDestination].flatMap({ NetAddress(bytes: $0) })
        else {
            throw KataError(.malformedInput, "netlink: neighbour on link \(index) has no valid NDA_DST")
        }
        self.destination = destination
        linkAddress = attributes[Netlink.neighbourLinkAddress].flatMap { MACAddress(bytes: $0) }
    }
}
