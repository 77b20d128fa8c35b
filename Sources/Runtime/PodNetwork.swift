import Agent
import CKataSys
import KataCore
import Netlink
import VirtualMachine

#if canImport(Glibc)
    import Glibc
#endif

/// What the sandbox made in the pod's network namespace, persisted so the clean-up after a
/// crashed shim can remove it: per CNI interface, the tap device and the ingress qdiscs.
public struct NetworkState: Sendable, Equatable, Codable {
    public var namespacePath: String
    public var links: [TapLink]

    public init(namespacePath: String, links: [TapLink] = []) {
        self.namespacePath = namespacePath
        self.links = links
    }
}

/// One CNI interface and the tap redirected to and from it.
public struct TapLink: Sendable, Equatable, Codable {
    public var interface: String
    public var tap: String

    public init(interface: String, tap: String) {
        self.interface = interface
        self.tap = tap
    }
}

/// A CNI interface wired to a tap: the descriptor QEMU gets, and what the guest configures.
struct PodEndpoint: Sendable {
    var link: TapLink
    var tapDescriptor: Int32
    var guest: GuestInterface
}

/// The pod network as attached: endpoints, routes and neighbours for the guest.
struct AttachedNetwork: Sendable {
    var state: NetworkState
    var endpoints: [PodEndpoint]
    var routes: [GuestRoute]
    var neighbours: [GuestNeighbour]

    var devices: [NetworkDevice] {
        endpoints.enumerated().map { index, endpoint in
            NetworkDevice(
                id: "net\(index)", macAddress: endpoint.guest.macAddress,
                tapDescriptor: endpoint.tapDescriptor)
        }
    }

    /// The taps are not persistent: once QEMU holds its copies, ours can go (a tap then
    /// disappears with the VM, even if nobody cleans up).
    func closeDescriptors() {
        for endpoint in endpoints { close(endpoint.tapDescriptor) }
    }
}

/// Upstream's `tcfilter` model in the pod's network namespace: for each veth CNI made, a tap
/// (`tapN_kata`, IFF_TAP | IFF_NO_PI | IFF_VNET_HDR) with the veth's MTU, an ingress qdisc on
/// both, and u32 match-all filters whose mirred action redirects every packet arriving on one
/// out of the other. All of it over rtnetlink.
enum PodNetwork {
    static func tapName(_ index: Int) -> String { "tap\(index)_kata" }

    /// Reads the namespace's interfaces, addresses, routes and neighbours and wires a tap to
    /// each veth. On failure everything made so far is removed (and the taps closed).
    static func attach(_ plan: NetworkPlan) async throws -> AttachedNetwork {
        try await inNetworkNamespace(plan.namespacePath) {
            let netlink = try NetlinkSocket()
            let links = try netlink.links()
            let veths = links.filter { $0.kind == "veth" && $0.hardwareType != Netlink.hardwareLoopback }
            guard !veths.isEmpty else {
                throw KataError(
                    .notFound,
                    "network namespace \(plan.namespacePath): no veth interface (CNI made none?); "
                        + "links: \(links.map(\.name).joined(separator: ", "))")
            }
            let addresses = try netlink.addresses()
            let routes = try netlink.routes()
            let neighbours = try netlink.neighbours()
            var attached = AttachedNetwork(
                state: NetworkState(namespacePath: plan.namespacePath), endpoints: [], routes: [],
                neighbours: [])
            do {
                for (index, veth) in veths.enumerated() {
                    let endpoint = try wire(veth, tap: tapName(index), netlink: netlink, addresses: addresses)
                    attached.endpoints.append(endpoint)
                    attached.state.links.append(endpoint.link)
                }
            } catch {
                attached.closeDescriptors()
                for link in attached.state.links { removeLink(link, netlink: netlink) }
                throw error
            }
            let byIndex = Dictionary(
                veths.map { ($0.index, $0.name) }, uniquingKeysWith: { first, _ in first })
            attached.routes = guestRoutes(routes, devices: byIndex)
            attached.neighbours = neighbours.compactMap { neighbour in
                guard let device = byIndex[neighbour.index],
                    neighbour.state & Netlink.neighbourPermanent != 0,
                    let mac = neighbour.linkAddress
                else { return nil }
                return GuestNeighbour(
                    address: "\(neighbour.destination)", isIPv6: !neighbour.destination.isIPv4,
                    device: device,
                    macAddress: "\(mac)", state: Int32(neighbour.state), flags: Int32(neighbour.flags))
            }
            return attached
        }
    }

    /// Creates the tap and the redirects for one veth; undoes its own steps on failure.
    private static func wire(
        _ veth: LinkInfo, tap name: String, netlink: NetlinkSocket, addresses: [AddressInfo]
    )
        throws -> PodEndpoint
    {
        guard let mac = veth.macAddress else {
            throw KataError(.malformedInput, "interface \(veth.name) has no Ethernet address")
        }
        let descriptor = ckata_tap_open(name)
        guard descriptor >= 0 else {
            throw KataError.system("tap \(name) (/dev/net/tun)", errno: -descriptor)
        }
        let link = TapLink(interface: veth.name, tap: name)
        do {
            guard let tap = try netlink.links().first(where: { $0.name == name }) else {
                throw KataError(.notFound, "tap \(name) vanished after it was made")
            }
            try netlink.perform(.setLink(index: tap.index, up: true, mtu: veth.mtu), "set \(name) up")
            try netlink.perform(.addIngressQdisc(index: veth.index), "ingress qdisc on \(veth.name)")
            try netlink.perform(.addIngressQdisc(index: tap.index), "ingress qdisc on \(name)")
            try netlink.perform(
                .addRedirectFilter(index: veth.index, to: tap.index), "redirect \(veth.name) -> \(name)")
            try netlink.perform(
                .addRedirectFilter(index: tap.index, to: veth.index), "redirect \(name) -> \(veth.name)")
        } catch {
            close(descriptor)
            removeLink(link, netlink: netlink)
            throw error
        }
        let own = addresses.filter { $0.index == veth.index && !$0.prefix.address.isIPv6LinkLocal }
        return PodEndpoint(
            link: link, tapDescriptor: descriptor,
            guest: GuestInterface(
                name: veth.name, macAddress: "\(mac)", mtu: UInt64(veth.mtu),
                addresses: own.map {
                    GuestIPAddress(
                        address: "\($0.prefix.address)", prefixLength: $0.prefix.length,
                        isIPv6: !$0.prefix.address.isIPv4)
                }))
    }

    /// The main table's unicast routes through the veths, without IPv6 link-local ones (the
    /// guest kernel makes its own), directly connected routes first (a gateway must be
    /// reachable when its route is added).
    static func guestRoutes(_ routes: [RouteInfo], devices: [Int32: String]) -> [GuestRoute] {
        let taken = routes.compactMap { route -> GuestRoute? in
            guard route.table == UInt32(Netlink.tableMain), route.type == Netlink.typeUnicast,
                let index = route.outputInterface, let device = devices[index],
                route.destination?.address.isIPv6LinkLocal != true
            else { return nil }
            return GuestRoute(
                destination: route.destination.map { "\($0)" } ?? "",
                gateway: route.gateway.map { "\($0)" } ?? "",
                device: device, source: route.preferredSource.map { "\($0)" } ?? "",
                scope: UInt32(route.scope),
                isIPv6: route.family == Netlink.familyIPv6)
        }
        return taken.filter { $0.gateway.isEmpty } + taken.filter { !$0.gateway.isEmpty }
    }

    /// Removes what `attach` made, by name (the crash clean-up has nothing else): the veth's
    /// ingress qdisc (its filter goes with it) and the tap (gone already once every descriptor
    /// closed). Missing pieces are fine; the namespace itself may be gone too.
    static func detach(_ state: NetworkState) async -> [String] {
        // The namespace was removed (CNI teardown ran first): nothing of ours is left in it.
        guard access(state.namespacePath, F_OK) == 0 else { return [] }
        do {
            return try await inNetworkNamespace(state.namespacePath) { removeLinks(state) }
        } catch {
            return ["network namespace \(state.namespacePath): \(error)"]
        }
    }

    /// `detach` for the clean-up after a crashed shim (not async).
    static func detachWaiting(_ state: NetworkState) -> [String] {
        guard access(state.namespacePath, F_OK) == 0 else { return [] }
        do {
            return try inNetworkNamespaceWaiting(state.namespacePath) { removeLinks(state) }
        } catch {
            return ["network namespace \(state.namespacePath): \(error)"]
        }
    }

    private static func removeLinks(_ state: NetworkState) -> [String] {
        do {
            let netlink = try NetlinkSocket()
            return state.links.flatMap { removeLink($0, netlink: netlink) }
        } catch {
            return ["\(error)"]
        }
    }

    @discardableResult
    private static func removeLink(_ link: TapLink, netlink: NetlinkSocket) -> [String] {
        guard let links = try? netlink.links() else { return ["list links: failed"] }
        var problems: [String] = []
        if let veth = links.first(where: { $0.name == link.interface }) {
            do {
                // EINVAL / ENOENT: the veth has no ingress qdisc (never made, or removed).
                try netlink.perform(
                    .deleteIngressQdisc(index: veth.index), "remove ingress qdisc of \(veth.name)",
                    tolerating: [EINVAL, ENOENT])
            } catch {
                problems.append("\(error)")
            }
        }
        if let tap = links.first(where: { $0.name == link.tap }) {
            do {
                try netlink.perform(.deleteLink(index: tap.index), "remove \(tap.name)", tolerating: [ENODEV])
            } catch {
                problems.append("\(error)")
            }
        }
        return problems
    }
}
