import KataCore

/// One message of a netlink reply: the header's fields and the payload after it.
package struct NetlinkMessage: Sendable, Equatable {
    package var type: UInt16
    package var flags: UInt16
    package var sequence: UInt32
    package var payload: [UInt8]
}

/// Reads little-endian fields at offsets, every read bounds-checked: a reply from the kernel
/// (or, in the guest, anything shaped like one) never makes us read past its end.
package struct NetlinkReader: Sendable {
    package let bytes: [UInt8]

    package init(_ bytes: [UInt8]) { self.bytes = bytes }

    private func need(_ offset: Int, _ count: Int, _ what: String) throws {
        guard offset >= 0, count >= 0, offset <= bytes.count, count <= bytes.count - offset else {
            throw KataError(
                .malformedInput,
                "netlink: \(what) at byte \(offset) runs past the \(bytes.count)-byte payload")
        }
    }

    package func u8(_ offset: Int, _ what: String) throws -> UInt8 {
        try need(offset, 1, what)
        return bytes[offset]
    }

    package func u16(_ offset: Int, _ what: String) throws -> UInt16 {
        try need(offset, 2, what)
        return UInt16(bytes[offset]) | UInt16(bytes[offset + 1]) << 8
    }

    package func u32(_ offset: Int, _ what: String) throws -> UInt32 {
        try need(offset, 4, what)
        return (0..<4).reduce(UInt32(0)) { $0 | UInt32(bytes[offset + $1]) << (8 * UInt32($1)) }
    }

    package func i32(_ offset: Int, _ what: String) throws -> Int32 {
        Int32(bitPattern: try u32(offset, what))
    }

    package func slice(_ offset: Int, _ count: Int, _ what: String) throws -> [UInt8] {
        try need(offset, count, what)
        return Array(bytes[offset..<(offset + count)])
    }
}

extension NetlinkMessage {
    /// At most this many messages are taken from one datagram (a dump of a few hundred links
    /// fits many times over): a runaway reply is refused, not looped over.
    package static let maximumPerDatagram = 4096

    /// Splits one received datagram into messages. Each header must give a length of at least
    /// 16 that stays inside the datagram; anything else is refused.
    package static func parse(_ datagram: [UInt8]) throws -> [NetlinkMessage] {
        let reader = NetlinkReader(datagram)
        var messages: [NetlinkMessage] = []
        var offset = 0
        while offset < datagram.count {
            guard messages.count < maximumPerDatagram else {
                throw KataError(
                    .malformedInput, "netlink: more than \(maximumPerDatagram) messages in one reply")
            }
            let length = Int(try reader.u32(offset, "message length"))
            guard length >= 16, length <= datagram.count - offset else {
                throw KataError(
                    .malformedInput,
                    "netlink: message at byte \(offset) claims \(length) bytes; \(datagram.count - offset) remain"
                )
            }
            messages.append(
                NetlinkMessage(
                    type: try reader.u16(offset + 4, "message type"),
                    flags: try reader.u16(offset + 6, "message flags"),
                    sequence: try reader.u32(offset + 8, "sequence"),
                    payload: try reader.slice(offset + 16, length - 16, "payload")))
            offset += (length + 3) & ~3
        }
        return messages
    }

    /// The errno of an NLMSG_ERROR message (0 is an acknowledgement), or nil for other types.
    package func errorCode() throws -> Int32? {
        guard type == Netlink.error else { return nil }
        return -(try NetlinkReader(payload).i32(0, "error code"))
    }
}

/// The attributes after a family struct, by type (the nested and byte-order flag bits
/// removed; a repeated type keeps its first value). Each attribute's length must be at least
/// 4 and stay inside the payload.
package struct NetlinkAttributes: Sendable, Equatable {
    package var values: [UInt16: [UInt8]] = [:]

    package static let maximumCount = 1024

    package init(_ bytes: [UInt8], from start: Int) throws {
        let reader = NetlinkReader(bytes)
        var offset = start
        var count = 0
        while offset + 4 <= bytes.count {
            count += 1
            guard count <= Self.maximumCount else {
                throw KataError(.malformedInput, "netlink: more than \(Self.maximumCount) attributes")
            }
            let length = Int(try reader.u16(offset, "attribute length"))
            let type = try reader.u16(offset + 2, "attribute type") & 0x3FFF
            guard length >= 4, length <= bytes.count - offset else {
                throw KataError(
                    .malformedInput,
                    "netlink: attribute \(type) at byte \(offset) claims \(length) bytes; \(bytes.count - offset) remain"
                )
            }
            if values[type] == nil {
                values[type] = try reader.slice(offset + 4, length - 4, "attribute \(type)")
            }
            offset += (length + 3) & ~3
        }
    }

    package subscript(_ type: UInt16) -> [UInt8]? { values[type] }

    /// A 4-byte value, or nil when absent or of another size.
    package func u32(_ type: UInt16) -> UInt32? {
        guard let value = values[type], value.count == 4 else { return nil }
        return try? NetlinkReader(value).u32(0, "attribute \(type)")
    }

    /// A string attribute up to its first NUL; nil when absent or not UTF-8.
    package func string(_ type: UInt16) -> String? {
        guard let value = values[type] else { return nil }
        let text = value.prefix { $0 != 0 }
        return String(validating: text, as: UTF8.self)
    }
}
