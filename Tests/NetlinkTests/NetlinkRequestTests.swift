import Netlink
import Testing

/// Golden bytes written out from the kernel's struct layouts (nlmsghdr, ifinfomsg, tcmsg,
/// tc_u32_sel, tc_u32_key, tc_mirred, rtattr), not from the builder.
@Suite struct NetlinkRequestTests {
    @Test func linkDumpIsAHeaderAndAnEmptyIfinfomsg() {
        let bytes = NetlinkRequest.dumpLinks().encoded(sequence: 7)
        #expect(
            bytes == [
                0x20, 0, 0, 0,  // nlmsg_len 32
                18, 0,  // RTM_GETLINK
                0x01, 0x03,  // NLM_F_REQUEST | NLM_F_DUMP
                7, 0, 0, 0,  // seq
                0, 0, 0, 0,  // pid
            ] + [UInt8](repeating: 0, count: 16))
    }

    @Test func setLinkUpWithMTU() {
        let bytes = NetlinkRequest.setLink(index: 5, up: true, mtu: 1500).encoded(sequence: 1)
        #expect(
            bytes == [
                40, 0, 0, 0, 16, 0, 0x05, 0, 1, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0,  // family, pad, type
                5, 0, 0, 0,  // index
                1, 0, 0, 0,  // flags IFF_UP
                1, 0, 0, 0,  // change IFF_UP
                8, 0, 4, 0, 0xDC, 0x05, 0, 0,  // IFLA_MTU 1500
            ])
    }

    @Test func renameIsAPaddedStringAttribute() {
        let bytes = NetlinkRequest.setLink(index: 2, up: false, name: "eth0").encoded(sequence: 1)
        #expect(Array(bytes.suffix(12)) == [9, 0, 3, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0])
        #expect(bytes.count == 44)
    }

    @Test func ingressQdisc() {
        let bytes = NetlinkRequest.addIngressQdisc(index: 3).encoded(sequence: 2)
        #expect(
            bytes == [
                52, 0, 0, 0, 36, 0, 0x05, 0x06, 2, 0, 0, 0, 0, 0, 0, 0,
                0, 0, 0, 0,  // family, pads
                3, 0, 0, 0,  // ifindex
                0, 0, 0xFF, 0xFF,  // handle ffff:0000
                0xF1, 0xFF, 0xFF, 0xFF,  // parent TC_H_INGRESS
                0, 0, 0, 0,  // info
                12, 0, 1, 0, 0x69, 0x6E, 0x67, 0x72, 0x65, 0x73, 0x73, 0,  // TCA_KIND "ingress"
                4, 0, 2, 0,  // TCA_OPTIONS, empty
            ])
    }

    @Test func mirredRedirectFilter() {
        let bytes = NetlinkRequest.addRedirectFilter(index: 4, to: 9).encoded(sequence: 3)
        let header: [UInt8] = [140, 0, 0, 0, 44, 0, 0x05, 0x06, 3, 0, 0, 0, 0, 0, 0, 0]
        let tcmsg: [UInt8] = [
            0, 0, 0, 0, 4, 0, 0, 0,
            0, 0, 0, 0,  // handle: the kernel picks
            0, 0, 0xFF, 0xFF,  // parent ffff: (the ingress qdisc)
            0x00, 0x03, 0x01, 0x00,  // info: priority 1 << 16 | htons(ETH_P_ALL)
        ]
        let kind: [UInt8] = [8, 0, 1, 0, 0x75, 0x33, 0x32, 0]
        let selector: [UInt8] =
            [36, 0, 5, 0]  // TCA_U32_SEL
            + [1, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]  // flags TERMINAL, nkeys 1
            + [UInt8](repeating: 0, count: 16)  // key: mask 0, val 0, off 0, offmask 0
        let parameters: [UInt8] =
            [32, 0, 2, 0]  // TCA_MIRRED_PARMS
            + [0, 0, 0, 0, 0, 0, 0, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]  // tc_gen, action STOLEN
            + [1, 0, 0, 0, 9, 0, 0, 0]  // eaction EGRESS_REDIR, ifindex 9
        let action: [UInt8] =
            [52, 0, 1, 0]  // action number 1
            + [11, 0, 1, 0, 0x6D, 0x69, 0x72, 0x72, 0x65, 0x64, 0, 0]  // TCA_ACT_KIND "mirred"
            + [36, 0, 2, 0] + parameters  // TCA_ACT_OPTIONS
        let options: [UInt8] = [96, 0, 2, 0] + selector + [56, 0, 7, 0] + action
        #expect(bytes == header + tcmsg + kind + options)
    }

    @Test func routeWithGatewayAndDefaultDestination() throws {
        let route = RouteInfo(
            family: 2, destination: nil, gateway: NetAddress("10.88.77.1"), outputInterface: 2,
            preferredSource: nil, scope: 0)
        let bytes = NetlinkRequest.addRoute(route).encoded(sequence: 1)
        #expect(
            bytes == [
                44, 0, 0, 0, 24, 0, 0x05, 0x05, 1, 0, 0, 0, 0, 0, 0, 0,
                2, 0, 0, 0, 254, 3, 0, 1, 0, 0, 0, 0,  // rtmsg: inet, /0, main, boot, universe, unicast
                8, 0, 5, 0, 10, 88, 77, 1,  // RTA_GATEWAY
                8, 0, 4, 0, 2, 0, 0, 0,  // RTA_OIF
            ])
    }

    @Test func addressCarriesLocalAndAddress() throws {
        let bytes = NetlinkRequest.addAddress(index: 2, try NetPrefix("10.88.77.5/24")).encoded(sequence: 1)
        #expect(
            Array(bytes.dropFirst(16)) == [
                2, 24, 0, 0, 2, 0, 0, 0, 8, 0, 2, 0, 10, 88, 77, 5, 8, 0, 1, 0, 10, 88, 77, 5,
            ])
    }

    @Test func permanentNeighbour() throws {
        let neighbour = NeighbourInfo(
            index: 2, destination: try #require(NetAddress("10.88.77.9")),
            linkAddress: MACAddress("02:00:00:00:00:09"), state: 0x80, flags: 0)
        let bytes = NetlinkRequest.addNeighbour(neighbour).encoded(sequence: 1)
        #expect(
            Array(bytes.dropFirst(16)) == [
                2, 0, 0, 0, 2, 0, 0, 0, 0x80, 0, 0, 0,
                8, 0, 1, 0, 10, 88, 77, 9,
                10, 0, 2, 0, 2, 0, 0, 0, 0, 9, 0, 0,
            ])
    }
}
