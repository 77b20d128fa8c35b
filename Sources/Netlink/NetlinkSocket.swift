import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// A NETLINK_ROUTE socket in the network namespace of the thread that opened it (it keeps
/// working in that namespace from any thread). Blocking, with a receive timeout, so a call
/// never waits forever; meant for a dedicated thread, never the cooperative pool.
package final class NetlinkSocket {
    private let descriptor: Int32
    private var sequence: UInt32 = 1
    /// A dump reply may span many datagrams; beyond this many the peer is refused.
    static let maximumDatagrams = 10_000
    static let receiveBuffer = 64 * 1024

    package init(timeoutSeconds: Int = 5) throws {
        let fd = socket(AF_NETLINK, Int32(SOCK_RAW.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw KataError.system("socket(AF_NETLINK)", errno: errno) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        // No bind: the kernel binds the socket to a port id of its choosing on the first send.
        descriptor = fd
    }

    deinit { close(descriptor) }

    /// Sends a change and waits for its acknowledgement; a kernel error becomes a `.system` error.
    /// Errnos in `tolerating` count as success (e.g. ENOENT when removing what may be gone).
    package func perform(_ request: NetlinkRequest, _ what: String, tolerating: Set<Int32> = []) throws {
        _ = try exchange(request, what, tolerating: tolerating)
    }

    /// Sends a dump request and returns every message of the reply up to NLMSG_DONE.
    package func dump(_ request: NetlinkRequest, _ what: String) throws -> [NetlinkMessage] {
        try exchange(request, what)
    }

    package func links() throws -> [LinkInfo] {
        try dump(.dumpLinks(), "list links").filter { $0.type == Netlink.newLink }.map {
            try LinkInfo(payload: $0.payload)
        }
    }

    package func addresses() throws -> [AddressInfo] {
        try dump(.dumpAddresses(), "list addresses").filter { $0.type == Netlink.newAddress }.map {
            try AddressInfo(payload: $0.payload)
        }
    }

    package func routes() throws -> [RouteInfo] {
        try dump(.dumpRoutes(), "list routes").filter { $0.type == Netlink.newRoute }.map {
            try RouteInfo(payload: $0.payload)
        }
    }

    package func neighbours() throws -> [NeighbourInfo] {
        try dump(.dumpNeighbours(), "list neighbours").filter { $0.type == Netlink.newNeighbour }.map {
            try NeighbourInfo(payload: $0.payload)
        }
    }

    private func exchange(_ request: NetlinkRequest, _ what: String, tolerating: Set<Int32> = []) throws
        -> [NetlinkMessage]
    {
        sequence &+= 1
        let mine = sequence
        let bytes = request.encoded(sequence: mine)
        let sent = bytes.withUnsafeBytes { send(descriptor, $0.baseAddress, $0.count, 0) }
        guard sent == bytes.count else { throw KataError.system("netlink \(what): send", errno: errno) }
        let isDump = request.flags & Netlink.dump == Netlink.dump
        var collected: [NetlinkMessage] = []
        var buffer = [UInt8](repeating: 0, count: Self.receiveBuffer)
        for _ in 0..<Self.maximumDatagrams {
            let count = buffer.withUnsafeMutableBytes {
                recv(descriptor, $0.baseAddress, $0.count, Int32(MSG_TRUNC))
            }
            guard count >= 0 else {
                let code = errno
                if code == EAGAIN || code == EWOULDBLOCK {
                    throw KataError(.timeout, "netlink \(what): no answer from the kernel in time")
                }
                if code == EINTR { continue }
                throw KataError.system("netlink \(what): recv", errno: code)
            }
            guard count <= buffer.count else {
                throw KataError(
                    .malformedInput, "netlink \(what): a \(count)-byte reply does not fit the buffer")
            }
            for message in try NetlinkMessage.parse(Array(buffer.prefix(count)))
            where message.sequence == mine {
                if let code = try message.errorCode() {
                    guard code == 0 || tolerating.contains(code) else {
                        throw KataError.system("netlink \(what)", errno: code)
                    }
                    if !isDump { return collected }
                    continue
                }
                if message.type == Netlink.done { return collected }
                collected.append(message)
                if !isDump && message.flags & Netlink.multi == 0 { return collected }
            }
        }
        throw KataError(.malformedInput, "netlink \(what): the reply never ended")
    }
}
