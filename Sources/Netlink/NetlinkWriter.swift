/// Builds the bytes of one netlink message in the kernel's layout: `nlmsghdr` (16 bytes: length,
/// type, flags, sequence, port id), the family's fixed struct, then `rtattr` attributes (2-byte
/// length, 2-byte type, payload padded to 4 bytes). Netlink uses host byte order (little-endian
/// on every platform this runs on); fields the kernel reads as big-endian say so.
package struct NetlinkWriter: Sendable {
    package private(set) var bytes: [UInt8] = []

    package init() {}

    package mutating func u8(_ value: UInt8) { bytes.append(value) }

    package mutating func u16(_ value: UInt16) {
        bytes.append(UInt8(truncatingIfNeeded: value))
        bytes.append(UInt8(truncatingIfNeeded: value >> 8))
    }

    package mutating func u32(_ value: UInt32) {
        for shift in stride(from: 0, to: 32, by: 8) {
            bytes.append(UInt8(truncatingIfNeeded: value >> shift))
        }
    }

    package mutating func i32(_ value: Int32) { u32(UInt32(bitPattern: value)) }

    /// A 16-bit value the kernel reads in network byte order (`__be16`).
    package mutating func be16(_ value: UInt16) { u16(value.byteSwapped) }

    package mutating func be32(_ value: UInt32) { u32(value.byteSwapped) }

    package mutating func raw(_ value: [UInt8]) { bytes += value }

    package mutating func padToFour() {
        while bytes.count % 4 != 0 { bytes.append(0) }
    }

    /// One attribute with `payload`, padded.
    package mutating func attribute(_ type: UInt16, _ payload: [UInt8]) {
        u16(UInt16(4 + payload.count))
        u16(type)
        bytes += payload
        padToFour()
    }

    package mutating func attribute(_ type: UInt16, u32 value: UInt32) {
        var payload = NetlinkWriter()
        payload.u32(value)
        attribute(type, payload.bytes)
    }

    /// A NUL-terminated string attribute (interface names, qdisc and action kinds).
    package mutating func attribute(_ type: UInt16, string: String) {
        attribute(type, Array(string.utf8) + [0])
    }

    /// An attribute whose payload is more attributes, built by `body`.
    package mutating func nested(_ type: UInt16, _ body: (inout NetlinkWriter) -> Void) {
        var inner = NetlinkWriter()
        body(&inner)
        attribute(type, inner.bytes)
    }

    /// The whole message: header + `body` (the family struct and attributes).
    package static func message(type: UInt16, flags: UInt16, sequence: UInt32, body: [UInt8]) -> [UInt8] {
        var header = NetlinkWriter()
        header.u32(UInt32(16 + body.count))
        header.u16(type)
        header.u16(flags)
        header.u32(sequence)
        header.u32(0)  // port id 0: the kernel fills in ours
        return header.bytes + body
    }
}
