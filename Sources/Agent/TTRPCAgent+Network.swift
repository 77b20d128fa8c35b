import Protocols

// The network methods of `KataAgent` as `grpc.AgentService` calls.
extension TTRPCAgent {
    public func updateInterface(_ interface: GuestInterface) async throws {
        _ = try await call(
            Methods.updateInterface,
            .with {
                $0.interface = .with { wire in
                    wire.name = interface.name
                    wire.device = interface.name
                    wire.hwAddr = interface.macAddress
                    wire.mtu = interface.mtu
                    wire.ipaddresses = interface.addresses.map { address in
                        .with {
                            $0.family = address.isIPv6 ? .v6 : .v4
                            $0.address = address.address
                            $0.mask = String(address.prefixLength)
                        }
                    }
                }
            })
    }

    public func updateRoutes(_ routes: [GuestRoute]) async throws {
        _ = try await call(
            Methods.updateRoutes,
            .with {
                $0.routes = .with { list in
                    list.routes = routes.map { route in
                        .with {
                            $0.dest = route.destination
                            $0.gateway = route.gateway
                            $0.device = route.device
                            $0.source = route.source
                            $0.scope = route.scope
                            $0.family = route.isIPv6 ? .v6 : .v4
                        }
                    }
                }
            })
    }

    public func addARPNeighbors(_ neighbours: [GuestNeighbour]) async throws {
        _ = try await call(
            Methods.addARPNeighbors,
            .with {
                $0.neighbors = .with { list in
                    list.arpneighbors = neighbours.map { neighbour in
                        .with {
                            $0.toIpaddress = .with {
                                $0.family = neighbour.isIPv6 ? .v6 : .v4
                                $0.address = neighbour.address
                            }
                            $0.device = neighbour.device
                            $0.lladdr = neighbour.macAddress
                            $0.state = neighbour.state
                            $0.flags = neighbour.flags
                        }
                    }
                }
            })
    }
}
