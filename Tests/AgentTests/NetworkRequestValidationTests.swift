import KataCore
import Protocols
import Testing

@testable import KataAgentService

/// UpdateInterface, UpdateRoutes and AddARPNeighbors: every field the host sends is checked
/// before the agent touches the guest's network.
@Suite struct NetworkRequestValidationTests {
    let paths = GuestPaths()

    func refusal(
        _ request: some ValidatedRequest, field: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        expectRefusal(request, field: field, paths: paths, sourceLocation: sourceLocation)
    }

    static func interface(_ change: (inout Types_Interface) -> Void = { _ in }) -> Grpc_UpdateInterfaceRequest
    {
        .with {
            $0.interface = .with { interface in
                interface.name = "eth0"
                interface.hwAddr = "02:42:0a:58:4d:03"
                interface.mtu = 1500
                interface.ipaddresses = [
                    .with {
                        $0.family = .v4
                        $0.address = "10.88.77.3"
                        $0.mask = "24"
                    }
                ]
                change(&interface)
            }
        }
    }

    static func route(_ change: (inout Types_Route) -> Void = { _ in }) -> Grpc_UpdateRoutesRequest {
        .with {
            $0.routes = .with { list in
                list.routes = [
                    .with { route in
                        route.dest = ""
                        route.gateway = "10.88.77.1"
                        route.device = "eth0"
                        route.family = .v4
                        change(&route)
                    }
                ]
            }
        }
    }

    static func neighbour(_ change: (inout Types_ARPNeighbor) -> Void = { _ in })
        -> Grpc_AddARPNeighborsRequest
    {
        .with {
            $0.neighbors = .with { list in
                list.arpneighbors = [
                    .with { neighbour in
                        neighbour.toIpaddress = .with {
                            $0.family = .v4
                            $0.address = "10.88.77.9"
                        }
                        neighbour.device = "eth0"
                        neighbour.lladdr = "02:00:00:00:00:09"
                        neighbour.state = 0x80
                        change(&neighbour)
                    }
                ]
            }
        }
    }

    @Test func wellFormedRequestsPass() throws {
        try Self.interface().validate(paths)
        try Self.route().validate(paths)
        try Self.route {
            $0.dest = "10.88.77.0/24"
            $0.gateway = ""
            $0.source = "10.88.77.3"
            $0.scope = 253
        }.validate(paths)
        try Self.neighbour().validate(paths)
    }

    @Test(arguments: ["", "eth0/../x", "a b", "..", String(repeating: "e", count: 16), "eth\u{0}0", "ethé"])
    func badInterfaceNames(_ name: String) {
        refusal(Self.interface { $0.name = name }, field: "interface.name")
        refusal(Self.route { $0.device = name }, field: "routes[0].device")
        refusal(Self.neighbour { $0.device = name }, field: "neighbors[0].device")
    }

    @Test func badInterfaceFields() {
        refusal(Grpc_UpdateInterfaceRequest(), field: "UpdateInterface")
        refusal(Self.interface { $0.hwAddr = "02:42:0a:58:4d" }, field: "interface.hwAddr")
        refusal(Self.interface { $0.hwAddr = "" }, field: "interface.hwAddr")
        refusal(Self.interface { $0.mtu = 0 }, field: "interface.mtu")
        refusal(Self.interface { $0.mtu = 1 << 32 }, field: "interface.mtu")
        refusal(
            Self.interface { $0.ipaddresses[0].address = "10.88.77" },
            field: "interface.IPAddresses[0].address")
        refusal(
            Self.interface { $0.ipaddresses[0].address = "fd00::1" },
            field: "interface.IPAddresses[0].address")
        refusal(Self.interface { $0.ipaddresses[0].mask = "33" }, field: "interface.IPAddresses[0].mask")
        refusal(Self.interface { $0.ipaddresses[0].mask = "x" }, field: "interface.IPAddresses[0].mask")
        refusal(
            Self.interface { $0.ipaddresses = Array(repeating: $0.ipaddresses[0], count: 257) },
            field: "interface.IPAddresses")
    }

    @Test func badRouteFields() {
        refusal(Self.route { $0.dest = "10.88.77.0/40" }, field: "routes[0].dest")
        refusal(Self.route { $0.dest = "fd00::/64" }, field: "routes[0].dest")
        refusal(Self.route { $0.gateway = "not-an-address" }, field: "routes[0].gateway")
        refusal(Self.route { $0.source = "10.1.1.1.1" }, field: "routes[0].source")
        refusal(Self.route { $0.scope = 256 }, field: "routes[0].scope")
        let many = Self.route()
        refusal(
            Grpc_UpdateRoutesRequest.with {
                $0.routes.routes = Array(repeating: many.routes.routes[0], count: 257)
            },
            field: "routes")
    }

    @Test func badNeighbourFields() {
        refusal(Self.neighbour { $0.clearToIpaddress() }, field: "neighbors[0].toIPAddress")
        refusal(Self.neighbour { $0.toIpaddress.address = "10.88.77.256" }, field: "neighbors[0].toIPAddress")
        refusal(Self.neighbour { $0.lladdr = "zz:00:00:00:00:09" }, field: "neighbors[0].lladdr")
        refusal(Self.neighbour { $0.state = 70000 }, field: "neighbors[0]")
        refusal(Self.neighbour { $0.flags = -1 }, field: "neighbors[0]")
    }
}
