import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// An IPv4 or IPv6 address as netlink carries it (4 or 16 bytes, network order).
package struct NetAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    package let bytes: [UInt8]

    package var isIPv4: Bool { bytes.count == 4 }
    package var family: UInt8 { isIPv4 ? Netlink.familyIPv4 : Netlink.familyIPv6 }
    package var maximumPrefix: Int { bytes.count * 8 }
    /// fe80::/10: the kernel gives each IPv6 link its own; never copied into the guest.
    package var isIPv6LinkLocal: Bool { bytes.count == 16 && bytes[0] == 0xFE && bytes[1] & 0xC0 == 0x80 }

    /// From netlink bytes: exactly 4 or 16 of them.
    package init?(bytes: [UInt8]) {
        guard bytes.count == 4 || bytes.count == 16 else { return nil }
        self.bytes = bytes
    }

    /// From text (`10.88.77.3`, `fd00::1`), through inet_pton: nothing else is accepted.
    package init?(_ text: String) {
        guard !text.isEmpty, text.utf8.count < 64, !text.utf8.contains(0) else { return nil }
        var buffer = [UInt8](repeating: 0, count: 16)
        if inet_pton(AF_INET, text, &buffer) == 1 {
            bytes = Array(buffer.prefix(4))
        } else if inet_pton(AF_INET6, text, &buffer) == 1 {
            bytes = buffer
        } else {
            return nil
        }
    }

    package var description: String {
        var text = [CChar](repeating: 0, count: 64)
        let family = isIPv4 ? AF_INET : AF_INET6
        guard inet_ntop(family, bytes, &text, socklen_t(text.count)) != nil else { return "?" }
        return String(decoding: text.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}

/// An address with its prefix length (`10.88.77.3/24`).
package struct NetPrefix: Sendable, Equatable, CustomStringConvertible {
    package let address: NetAddress
    package let length: Int

    package init(address: NetAddress, length: Int) throws {
        guard length >= 0, length <= address.maximumPrefix else {
            throw KataError(
                .invalidArgument,
                "prefix length \(length) out of range 0-\(address.maximumPrefix) for \(address)")
        }
        self.address = address
        self.length = length
    }

    /// `ADDRESS/LENGTH`; a bare address is a host prefix (/32, /128).
    package init(_ text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count <= 2, let address = NetAddress(String(parts[0])) else {
            throw KataError(.invalidArgument, "\"\(text)\": not an IP address or ADDRESS/PREFIX")
        }
        guard parts.count == 2 else {
            try self.init(address: address, length: address.maximumPrefix)
            return
        }
        guard parts[1].utf8.count <= 3, let length = Int(parts[1]) else {
            throw KataError(.invalidArgument, "\"\(text)\": the prefix length is not a number")
        }
        try self.init(address: address, length: length)
    }

    package var description: String { "\(address)/\(length)" }
}

/// An Ethernet address (`02:42:0a:58:4d:03`).
package struct MACAddress: Sendable, Equatable, Hashable, CustomStringConvertible {
    package let bytes: [UInt8]

    package init?(bytes: [UInt8]) {
        guard bytes.count == 6 else { return nil }
        self.bytes = bytes
    }

    /// Six two-digit hex groups separated by colons, nothing else.
    package init?(_ text: String) {
        let groups = text.split(separator: ":", omittingEmptySubsequences: false)
        guard groups.count == 6 else { return nil }
        var bytes: [UInt8] = []
        for group in groups {
            guard group.utf8.count == 2, let value = Hex.decode(group) else { return nil }
            bytes += value
        }
        self.bytes = bytes
    }

    package var description: String { bytes.map { Hex.byte($0) }.joined(separator: ":") }
}
