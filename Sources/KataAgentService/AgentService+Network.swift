import KataCore
import Netlink
import Protocols

#if canImport(Glibc)
    import Glibc
#endif

/// The pod network in the guest, over rtnetlink: the NIC the host gave the CNI interface's
/// MAC is renamed, sized, addressed and brought up; then routes and neighbours.
extension AgentService {
    /// How long the agent waits for the NIC to appear (virtio_net loads while the agent serves).
    static let interfaceWaitSeconds = 10

    func updateInterface(_ request: Grpc_UpdateInterfaceRequest) async throws -> Types_Interface {
        let (mac, addresses) = try NetworkCheck.interface(request.interface)
        await modules.wait(for: ["virtio_net.ko"])
        let interface = request.interface
        try await onNetlinkThread { netlink in
            let link = try Self.link(with: mac, netlink: netlink)
            let rename = link.name == interface.name ? nil : interface.name
            try netlink.perform(
                .setLink(index: link.index, up: false, name: rename, mtu: UInt32(interface.mtu)),
                "configure \(link.name) as \(interface.name)")
            for address in addresses {
                try netlink.perform(
                    .addAddress(index: link.index, address), "add \(address) to \(interface.name)")
            }
            try netlink.perform(.setLink(index: link.index, up: true), "set \(interface.name) up")
        }
        return interface
    }

    func updateRoutes(_ request: Grpc_UpdateRoutesRequest) async throws -> Grpc_Routes {
        let routes = try request.routes.routes.enumerated().map { index, route in
            (try NetworkCheck.route(route, field: "routes[\(index)]"), route.device)
        }
        try await onNetlinkThread { netlink in
            let indices = try Self.indices(netlink)
            for (route, device) in routes {
                guard let index = indices[device] else {
                    throw KataError(.notFound, "route via \(device): no such interface in the guest")
                }
                var route = route
                route.outputInterface = index
                try netlink.perform(
                    .addRoute(route),
                    "add route \(route.destination.map { "\($0)" } ?? "default") via \(device)")
            }
        }
        return request.routes
    }

    func addARPNeighbors(_ request: Grpc_AddARPNeighborsRequest) async throws {
        let neighbours = try request.neighbors.arpneighbors.enumerated().map { index, neighbour in
            (try NetworkCheck.neighbour(neighbour, field: "neighbors[\(index)]"), neighbour.device)
        }
        try await onNetlinkThread { netlink in
            let indices = try Self.indices(netlink)
            for (neighbour, device) in neighbours {
                guard let index = indices[device] else {
                    throw KataError(.notFound, "neighbour on \(device): no such interface in the guest")
                }
                var neighbour = neighbour
                neighbour.index = index
                try netlink.perform(
                    .addNeighbour(neighbour), "add neighbour \(neighbour.destination) on \(device)")
            }
        }
    }

    /// Containers share the guest's network namespace (the runtime drops theirs), where the
    /// kernel leaves `lo` down: without it 127.0.0.1 would be routed out of the pod's NIC.
    /// Only as the guest's init: an agent run elsewhere (tests) leaves its host alone.
    func bringUpLoopback() async throws {
        guard getpid() == 1 else { return }
        try await onNetlinkThread { netlink in
            guard let lo = try netlink.links().first(where: { $0.hardwareType == Netlink.hardwareLoopback })
            else {
                throw KataError(.notFound, "the guest has no loopback interface")
            }
            if !lo.isUp { try netlink.perform(.setLink(index: lo.index, up: true), "set lo up") }
        }
    }

    /// The NIC with `mac`, waiting for its driver to register it.
    static func link(with mac: MACAddress, netlink: NetlinkSocket) throws -> LinkInfo {
        for _ in 0..<(interfaceWaitSeconds * 20) {
            if let link = try netlink.links().first(where: { $0.macAddress == mac }) { return link }
            usleep(50_000)
        }
        throw KataError(.notFound, "no guest interface with MAC \(mac) after \(interfaceWaitSeconds) s")
    }

    static func indices(_ netlink: NetlinkSocket) throws -> [String: Int32] {
        Dictionary(try netlink.links().map { ($0.name, $0.index) }, uniquingKeysWith: { first, _ in first })
    }

    /// Netlink calls block in the kernel: they run on their own thread, never the async pool.
    func onNetlinkThread(_ body: @escaping @Sendable (NetlinkSocket) throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            startDetachedThread {
                continuation.resume(with: Result { try body(try NetlinkSocket()) })
            }
        }
    }
}
