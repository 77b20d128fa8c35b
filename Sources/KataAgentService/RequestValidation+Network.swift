import KataCore
import Netlink
import Protocols

/// The network requests: every name, address, prefix, MAC and number is checked before the
/// agent hands anything to the kernel.
enum NetworkCheck {
    /// More than a pod ever has; a longer list is refused, not worked through.
    static let maximumEntries = 256

    /// A Linux interface name: 1-15 bytes of letters, digits, `_`, `-`, `.` (not `.` or `..`).
    static func deviceName(_ value: String, field: String) throws {
        let allowed = value.utf8.allSatisfy { byte in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || byte == 0x5F || byte == 0x2D || byte == 0x2E
        }
        guard !value.isEmpty, value.utf8.count <= 15, allowed, value != ".", value != ".." else {
            throw KataError(
                .invalidArgument,
                "\(field) \(value.debugDescription): not an interface name (1-15 of A-Z a-z 0-9 _ - .)")
        }
    }

    static func mac(_ value: String, field: String) throws -> MACAddress {
        guard let mac = MACAddress(value) else {
            throw KataError(
                .invalidArgument, "\(field) \(value.debugDescription): not a MAC address (aa:bb:cc:dd:ee:ff)")
        }
        return mac
    }

    static func address(_ value: String, family: Types_IPFamily, field: String) throws -> NetAddress {
        guard let address = NetAddress(value) else {
            throw KataError(.invalidArgument, "\(field) \(value.debugDescription): not an IP address")
        }
        guard address.isIPv4 == (family == .v4) else {
            throw KataError(.invalidArgument, "\(field) \(value): does not match the family \(family)")
        }
        return address
    }

    static func count(_ count: Int, field: String) throws {
        guard count <= maximumEntries else {
            throw KataError(.invalidArgument, "\(field): \(count) entries, at most \(maximumEntries)")
        }
    }

    static func prefix(_ address: Types_IPAddress, field: String) throws -> NetPrefix {
        let ip = try Self.address(address.address, family: address.family, field: "\(field).address")
        guard address.mask.utf8.count <= 3, let length = Int(address.mask) else {
            throw KataError(
                .invalidArgument, "\(field).mask \(address.mask.debugDescription): not a prefix length")
        }
        do {
            return try NetPrefix(address: ip, length: length)
        } catch let error as KataError {
            throw KataError(.invalidArgument, "\(field).mask: \(error.message)")
        }
    }

    static func interface(_ interface: Types_Interface) throws -> (mac: MACAddress, addresses: [NetPrefix]) {
        try deviceName(interface.name, field: "interface.name")
        let mac = try self.mac(interface.hwAddr, field: "interface.hwAddr")
        // 68: the IPv4 minimum; 65535: what the kernel's netdevice MTU field can hold.
        guard interface.mtu >= 68, interface.mtu <= 65535 else {
            throw KataError(.invalidArgument, "interface.mtu \(interface.mtu): must be 68-65535")
        }
        try count(interface.ipaddresses.count, field: "interface.IPAddresses")
        let addresses = try interface.ipaddresses.enumerated().map { index, address in
            try prefix(address, field: "interface.IPAddresses[\(index)]")
        }
        return (mac, addresses)
    }

    /// A route's parts; the device is resolved to an index later.
    static func route(_ route: Types_Route, field: String) throws -> RouteInfo {
        try deviceName(route.device, field: "\(field).device")
        let family = route.family
        var destination: NetPrefix?
        if !route.dest.isEmpty && route.dest != "default" {
            do {
                destination = try NetPrefix(route.dest)
            } catch let error as KataError {
                throw KataError(.invalidArgument, "\(field).dest: \(error.message)")
            }
            guard destination?.address.isIPv4 == (family == .v4) else {
                throw KataError(
                    .invalidArgument, "\(field).dest \(route.dest): does not match the family \(family)")
            }
        }
        let gateway =
            try route.gateway.isEmpty
            ? nil : address(route.gateway, family: family, field: "\(field).gateway")
        let source =
            try route.source.isEmpty ? nil : address(route.source, family: family, field: "\(field).source")
        guard route.scope <= 255 else {
            throw KataError(.invalidArgument, "\(field).scope \(route.scope): must be 0-255")
        }
        return RouteInfo(
            family: family == .v4 ? Netlink.familyIPv4 : Netlink.familyIPv6, destination: destination,
            gateway: gateway, outputInterface: nil, preferredSource: source, scope: UInt8(route.scope))
    }

    static func neighbour(_ neighbour: Types_ARPNeighbor, field: String) throws -> NeighbourInfo {
        guard neighbour.hasToIpaddress else {
            throw KataError(.invalidArgument, "\(field).toIPAddress: missing")
        }
        let destination = try address(
            neighbour.toIpaddress.address, family: neighbour.toIpaddress.family, field: "\(field).toIPAddress"
        )
        try deviceName(neighbour.device, field: "\(field).device")
        let mac = try self.mac(neighbour.lladdr, field: "\(field).lladdr")
        guard let state = UInt16(exactly: neighbour.state), let flags = UInt8(exactly: neighbour.flags) else {
            throw KataError(
                .invalidArgument,
                "\(field): state \(neighbour.state) (0-65535) or flags \(neighbour.flags) (0-255) out of range"
            )
        }
        return NeighbourInfo(index: 0, destination: destination, linkAddress: mac, state: state, flags: flags)
    }
}

extension Grpc_UpdateInterfaceRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        guard hasInterface else { throw KataError(.invalidArgument, "UpdateInterface: no interface") }
        _ = try NetworkCheck.interface(interface)
    }
}

extension Grpc_UpdateRoutesRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try NetworkCheck.count(routes.routes.count, field: "routes")
        for (index, route) in routes.routes.enumerated() {
            _ = try NetworkCheck.route(route, field: "routes[\(index)]")
        }
    }
}

extension Grpc_AddARPNeighborsRequest: ValidatedRequest {
    package func validate(_ paths: GuestPaths) throws {
        try NetworkCheck.count(neighbors.arpneighbors.count, field: "neighbors")
        for (index, neighbour) in neighbors.arpneighbors.enumerated() {
            _ = try NetworkCheck.neighbour(neighbour, field: "neighbors[\(index)]")
        }
    }
}
