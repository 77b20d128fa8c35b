import KataCore
import Netlink
import Testing

@Suite struct NetlinkParserTests {
    /// RTM_NEWLINK for veth `eth0`, index 2, up, MAC 02:42:0a:58:4d:03, MTU 1500.
    static let vethMessage: [UInt8] =
        [80, 0, 0, 0, 16, 0, 2, 0, 9, 0, 0, 0, 0, 0, 0, 0]
        + [0, 0, 1, 0, 2, 0, 0, 0, 0x43, 0x10, 1, 0, 0, 0, 0, 0]  // ifinfomsg: ether, index 2, UP|...
        + [9, 0, 3, 0, 0x65, 0x74, 0x68, 0x30, 0, 0, 0, 0]  // IFLA_IFNAME
        + [10, 0, 1, 0, 0x02, 0x42, 0x0A, 0x58, 0x4D, 0x03, 0, 0]  // IFLA_ADDRESS
        + [8, 0, 4, 0, 0xDC, 0x05, 0, 0]  // IFLA_MTU
        // IFLA_LINKINFO (with the nested flag) holding IFLA_INFO_KIND "veth".
        + [16, 0, 0x12, 0x80, 9, 0, 1, 0, 0x76, 0x65, 0x74, 0x68, 0, 0, 0, 0]

    @Test func parsesALink() throws {
        let messages = try NetlinkMessage.parse(
            Self.vethMessage + [20, 0, 0, 0, 3, 0, 2, 0, 9, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        #expect(messages.count == 2)
        #expect(messages[1].type == 3)
        let link = try LinkInfo(payload: messages[0].payload)
        #expect(link.index == 2)
        #expect(link.name == "eth0")
        #expect(link.macAddress?.description == "02:42:0a:58:4d:03")
        #expect(link.mtu == 1500)
        #expect(link.kind == "veth")
        #expect(link.isUp)
    }

    @Test func errorMessageCarriesTheErrno() throws {
        let message = try NetlinkMessage.parse(
            [36, 0, 0, 0, 2, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0xEF, 0xFF, 0xFF, 0xFF]
                + [UInt8](repeating: 0, count: 16))
        #expect(try message[0].errorCode() == 17)
    }

    @Test func refusesAMessageShorterThanItsHeader() {
        #expect(throws: KataError.self) {
            try NetlinkMessage.parse([8, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        }
    }

    @Test func refusesAMessageLongerThanTheDatagram() {
        #expect(throws: KataError.self) {
            try NetlinkMessage.parse([0xFF, 0, 0, 0, 16, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0])
        }
        #expect(throws: KataError.self) { try NetlinkMessage.parse([16, 0, 0]) }
    }

    @Test func refusesAttributesThatDoNotFit() {
        // Length 2 (shorter than an attribute header), then length 200 in a 12-byte payload.
        #expect(throws: KataError.self) { try NetlinkAttributes([2, 0, 3, 0, 0, 0, 0, 0], from: 0) }
        #expect(throws: KataError.self) {
            try NetlinkAttributes([200, 0, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0], from: 0)
        }
    }

    @Test func refusesTooManyAttributes() {
        let many = [UInt8]([4, 0, 1, 0]).repeated(2000)
        #expect(throws: KataError.self) { try NetlinkAttributes(many, from: 0) }
    }

    @Test func refusesATruncatedFamilyHeader() {
        #expect(throws: KataError.self) { try LinkInfo(payload: [0, 0, 1, 0, 2]) }
        #expect(throws: KataError.self) { try AddressInfo(payload: [2, 24]) }
        #expect(throws: KataError.self) { try RouteInfo(payload: [2, 0, 0]) }
    }

    @Test func refusesALinkWithoutAName() {
        #expect(throws: KataError.self) { try LinkInfo(payload: [UInt8](repeating: 0, count: 16)) }
    }

    @Test func refusesARouteAddressOfTheWrongSize() {
        let route: [UInt8] = [2, 24, 0, 0, 254, 3, 253, 1, 0, 0, 0, 0] + [7, 0, 1, 0, 10, 88, 77, 0]
        #expect(throws: KataError.self) { try RouteInfo(payload: route) }
        let noDestination: [UInt8] = [2, 24, 0, 0, 254, 3, 253, 1, 0, 0, 0, 0]
        #expect(throws: KataError.self) { try RouteInfo(payload: noDestination) }
    }

    @Test func refusesAPrefixLongerThanTheAddress() {
        let address: [UInt8] = [2, 33, 0, 0, 2, 0, 0, 0, 8, 0, 2, 0, 10, 0, 0, 1]
        #expect(throws: KataError.self) { try AddressInfo(payload: address) }
    }

    @Test func parsesARoute() throws {
        let route: [UInt8] =
            [2, 24, 0, 0, 254, 2, 253, 1, 0, 0, 0, 0] + [8, 0, 1, 0, 10, 88, 77, 0] + [
                8, 0, 4, 0, 2, 0, 0, 0,
            ]
            + [8, 0, 7, 0, 10, 88, 77, 5]
        let parsed = try RouteInfo(payload: route)
        #expect(parsed.destination?.description == "10.88.77.0/24")
        #expect(parsed.outputInterface == 2)
        #expect(parsed.preferredSource?.description == "10.88.77.5")
        #expect(parsed.scope == 253)
        #expect(parsed.gateway == nil)
    }

    @Test func addressesAndPrefixes() throws {
        #expect(NetAddress("10.88.77.3")?.bytes == [10, 88, 77, 3])
        #expect(NetAddress("fe80::1")?.isIPv6LinkLocal == true)
        #expect(NetAddress("fd00::1")?.description == "fd00::1")
        #expect(NetAddress("10.88.77") == nil)
        #expect(NetAddress("") == nil)
        #expect(NetAddress("10.0.0.1 ") == nil)
        #expect(try NetPrefix("10.0.0.0/8").length == 8)
        #expect(throws: KataError.self) { try NetPrefix("10.0.0.0/33") }
        #expect(throws: KataError.self) { try NetPrefix("10.0.0.0/-1") }
        #expect(throws: KataError.self) { try NetPrefix("10.0.0.0/8/8") }
        #expect(MACAddress("02:42:0A:58:4d:03")?.description == "02:42:0a:58:4d:03")
        #expect(MACAddress("02:42:0a:58:4d") == nil)
        #expect(MACAddress("02:42:0a:58:4d:0g") == nil)
        #expect(MACAddress("2:42:0a:58:4d:03") == nil)
        #expect(MACAddress("02:42:0a:58:4d:+3") == nil, "a sign is no hex digit")
    }
}

extension Array {
    fileprivate func repeated(_ count: Int) -> [Element] { (0..<count).flatMap { _ in self } }
}
