/// The rtnetlink numbers this package uses, from <linux/netlink.h>, <linux/rtnetlink.h>,
/// <linux/if_link.h>, <linux/if_addr.h>, <linux/neighbour.h>, <linux/pkt_sched.h>,
/// <linux/pkt_cls.h> and <linux/tc_act/tc_mirred.h> (spelled out: no kernel headers needed).
package enum Netlink {
    // Message types.
    package static let noop: UInt16 = 1
    package static let error: UInt16 = 2
    package static let done: UInt16 = 3
    package static let newLink: UInt16 = 16
    package static let deleteLink: UInt16 = 17
    package static let getLink: UInt16 = 18
    package static let newAddress: UInt16 = 20
    package static let getAddress: UInt16 = 22
    package static let newRoute: UInt16 = 24
    package static let getRoute: UInt16 = 26
    package static let newNeighbour: UInt16 = 28
    package static let getNeighbour: UInt16 = 30
    package static let newQdisc: UInt16 = 36
    package static let deleteQdisc: UInt16 = 37
    package static let newFilter: UInt16 = 44

    // Header flags.
    package static let request: UInt16 = 0x1
    package static let multi: UInt16 = 0x2
    package static let ack: UInt16 = 0x4
    package static let dump: UInt16 = 0x300
    package static let replace: UInt16 = 0x100
    package static let exclusive: UInt16 = 0x200
    package static let create: UInt16 = 0x400

    // Address families.
    package static let familyUnspecified: UInt8 = 0
    package static let familyIPv4: UInt8 = 2
    package static let familyIPv6: UInt8 = 10

    // Link attributes and flags.
    package static let linkAddress: UInt16 = 1
    package static let linkName: UInt16 = 3
    package static let linkMTU: UInt16 = 4
    package static let linkInfo: UInt16 = 18
    package static let linkInfoKind: UInt16 = 1
    package static let interfaceUp: UInt32 = 0x1
    package static let hardwareLoopback: UInt16 = 772

    // Address attributes.
    package static let addressAddress: UInt16 = 1
    package static let addressLocal: UInt16 = 2

    // Route attributes and values.
    package static let routeDestination: UInt16 = 1
    package static let routeOutputInterface: UInt16 = 4
    package static let routeGateway: UInt16 = 5
    package static let routePreferredSource: UInt16 = 7
    package static let routeTable: UInt16 = 15
    package static let tableMain: UInt8 = 254
    package static let protocolBoot: UInt8 = 3
    package static let typeUnicast: UInt8 = 1
    package static let scopeUniverse: UInt8 = 0
    package static let scopeLink: UInt8 = 253

    // Neighbour attributes and states.
    package static let neighbourDestination: UInt16 = 1
    package static let neighbourLinkAddress: UInt16 = 2
    package static let neighbourPermanent: UInt16 = 0x80

    // Traffic control.
    package static let tcKind: UInt16 = 1
    package static let tcOptions: UInt16 = 2
    /// TC_H_INGRESS: the parent of an ingress qdisc.
    package static let tcIngressParent: UInt32 = 0xFFFF_FFF1
    /// The ingress qdisc's handle, `ffff:`.
    package static let tcIngressHandle: UInt32 = 0xFFFF_0000
    package static let u32Selector: UInt16 = 5
    package static let u32Actions: UInt16 = 7
    package static let u32Terminal: UInt8 = 1
    package static let actionKind: UInt16 = 1
    package static let actionOptions: UInt16 = 2
    package static let mirredParameters: UInt16 = 2
    /// TCA_EGRESS_REDIR: send the packet out of the target device.
    package static let mirredEgressRedirect: Int32 = 1
    /// TC_ACT_STOLEN: the packet was consumed (by the redirect).
    package static let actionStolen: Int32 = 4
    /// ETH_P_ALL.
    package static let allProtocols: UInt16 = 0x0003
}
