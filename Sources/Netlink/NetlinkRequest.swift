/// One rtnetlink request before it gets a sequence number: pure, so its bytes are testable
/// against the kernel's struct layouts without a socket.
package struct NetlinkRequest: Sendable, Equatable {
    package var type: UInt16
    package var flags: UInt16
    /// The family struct and attributes.
    package var body: [UInt8]

    package func encoded(sequence: UInt32) -> [UInt8] {
        NetlinkWriter.message(type: type, flags: flags, sequence: sequence, body: body)
    }

    static let change = Netlink.request | Netlink.ack

    // MARK: dumps

    /// RTM_GETLINK dump: an empty `ifinfomsg` (16 bytes).
    package static func dumpLinks() -> NetlinkRequest {
        NetlinkRequest(
            type: Netlink.getLink, flags: Netlink.request | Netlink.dump, body: linkHeader(index: 0))
    }

    /// RTM_GETADDR dump of every family: an empty `ifaddrmsg` (8 bytes).
    package static func dumpAddresses() -> NetlinkRequest {
        var body = NetlinkWriter()
        body.raw([UInt8](repeating: 0, count: 8))
        return NetlinkRequest(
            type: Netlink.getAddress, flags: Netlink.request | Netlink.dump, body: body.bytes)
    }

    /// RTM_GETROUTE dump of every family: an empty `rtmsg` (12 bytes).
    package static func dumpRoutes() -> NetlinkRequest {
        NetlinkRequest(
            type: Netlink.getRoute, flags: Netlink.request | Netlink.dump,
            body: [UInt8](repeating: 0, count: 12))
    }

    /// RTM_GETNEIGH dump of every family: an empty `ndmsg` (12 bytes).
    package static func dumpNeighbours() -> NetlinkRequest {
        NetlinkRequest(
            type: Netlink.getNeighbour, flags: Netlink.request | Netlink.dump,
            body: [UInt8](repeating: 0, count: 12))
    }

    // MARK: links

    /// `ifinfomsg`: family, pad, type, index, flags, change mask.
    static func linkHeader(index: Int32, flags: UInt32 = 0, change: UInt32 = 0) -> [UInt8] {
        var header = NetlinkWriter()
        header.u8(Netlink.familyUnspecified)
        header.u8(0)
        header.u16(0)
        header.i32(index)
        header.u32(flags)
        header.u32(change)
        return header.bytes
    }

    /// RTM_NEWLINK on an existing link: its up flag, and optionally a new name and MTU.
    package static func setLink(index: Int32, up: Bool, name: String? = nil, mtu: UInt32? = nil)
        -> NetlinkRequest
    {
        var body = NetlinkWriter()
        body.raw(linkHeader(index: index, flags: up ? Netlink.interfaceUp : 0, change: Netlink.interfaceUp))
        if let name { body.attribute(Netlink.linkName, string: name) }
        if let mtu { body.attribute(Netlink.linkMTU, u32: mtu) }
        return NetlinkRequest(type: Netlink.newLink, flags: change, body: body.bytes)
    }

    /// RTM_DELLINK.
    package static func deleteLink(index: Int32) -> NetlinkRequest {
        NetlinkRequest(type: Netlink.deleteLink, flags: change, body: linkHeader(index: index))
    }

    // MARK: addresses, routes, neighbours

    /// RTM_NEWADDR: `ifaddrmsg` (family, prefix length, flags, scope, index) + IFA_LOCAL and
    /// IFA_ADDRESS. Replaces an equal address.
    package static func addAddress(index: Int32, _ prefix: NetPrefix) -> NetlinkRequest {
        var body = NetlinkWriter()
        body.u8(prefix.address.family)
        body.u8(UInt8(prefix.length))
        body.u8(0)
        body.u8(Netlink.scopeUniverse)
        body.i32(index)
        body.attribute(Netlink.addressLocal, prefix.address.bytes)
        body.attribute(Netlink.addressAddress, prefix.address.bytes)
        return NetlinkRequest(
            type: Netlink.newAddress, flags: change | Netlink.create | Netlink.replace, body: body.bytes)
    }

    /// RTM_NEWROUTE in the main table: `rtmsg` (family, dst_len, src_len, tos, table, protocol,
    /// scope, type, flags) + RTA_DST unless default, RTA_GATEWAY, RTA_PREFSRC, RTA_OIF.
    /// Replaces a route to the same destination (the kernel's own prefix route included).
    package static func addRoute(_ route: RouteInfo) -> NetlinkRequest {
        var body = NetlinkWriter()
        body.u8(route.family)
        body.u8(UInt8(route.destination?.length ?? 0))
        body.u8(0)
        body.u8(0)
        body.u8(Netlink.tableMain)
        body.u8(Netlink.protocolBoot)
        body.u8(route.scope)
        body.u8(Netlink.typeUnicast)
        body.u32(0)
        if let destination = route.destination {
            body.attribute(Netlink.routeDestination, destination.address.bytes)
        }
        if let gateway = route.gateway { body.attribute(Netlink.routeGateway, gateway.bytes) }
        if let source = route.preferredSource { body.attribute(Netlink.routePreferredSource, source.bytes) }
        if let index = route.outputInterface {
            body.attribute(Netlink.routeOutputInterface, u32: UInt32(bitPattern: index))
        }
        return NetlinkRequest(
            type: Netlink.newRoute, flags: change | Netlink.create | Netlink.replace, body: body.bytes)
    }

    /// RTM_NEWNEIGH: `ndmsg` (family, pads, index, state, flags, type) + NDA_DST, NDA_LLADDR.
    package static func addNeighbour(_ neighbour: NeighbourInfo) -> NetlinkRequest {
        var body = NetlinkWriter()
        body.u8(neighbour.destination.family)
        body.u8(0)
        body.u16(0)
        body.i32(neighbour.index)
        body.u16(neighbour.state)
        body.u8(neighbour.flags)
        body.u8(0)
        body.attribute(Netlink.neighbourDestination, neighbour.destination.bytes)
        if let link = neighbour.linkAddress { body.attribute(Netlink.neighbourLinkAddress, link.bytes) }
        return NetlinkRequest(
            type: Netlink.newNeighbour, flags: change | Netlink.create | Netlink.replace, body: body.bytes)
    }
}
