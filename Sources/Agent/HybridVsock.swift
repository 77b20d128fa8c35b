import KataCore

#if canImport(Glibc)
    import Glibc
#endif

/// The hybrid-vsock handshake on a unix socket: send `CONNECT <port>\n`, expect `OK <n>\n`.
/// Returns the connected descriptor, ready for ttrpc; on any failure nothing stays open.
enum HybridVsock {
    static let maxReplyBytes = 64

    static func connect(socketPath: String, port: UInt32, timeout: Duration) throws -> Int32 {
        let fd = try UnixSocket.connect(path: socketPath, timeout: timeout)
        do {
            try UnixSocket.writeAll(fd, Array("CONNECT \(port)\n".utf8))
            let reply = try readLine(fd, what: "hybrid vsock \(socketPath)")
            guard reply.hasPrefix("OK ") else {
                throw KataError(
                    .remote,
                    "hybrid vsock \(socketPath): CONNECT \(port) answered \"\(reply)\", expected \"OK <port>\""
                )
            }
            return fd
        } catch {
            close(fd)
            throw error
        }
    }

    /// Reads one byte at a time so that nothing after the newline (ttrpc data) is consumed.
    static func readLine(_ fd: Int32, what: String) throws -> String {
        var line: [UInt8] = []
        while line.count < maxReplyBytes {
            var byte: UInt8 = 0
            let n = read(fd, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            if n < 0 { throw KataError.system("\(what): read handshake reply", errno: errno) }
            if n == 0 { throw KataError(.remote, "\(what): connection closed during the handshake") }
            if byte == UInt8(ascii: "\n") { return String(decoding: line, as: UTF8.self) }
            line.append(byte)
        }
        throw KataError(.malformedInput, "\(what): handshake reply longer than \(maxReplyBytes) bytes")
    }
}

/// Blocking unix-socket helpers for the handshake (ttrpc takes the socket over afterwards).
enum UnixSocket {
    static func connect(path: String, timeout: Duration) throws -> Int32 {
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        let bytes = Array(path.utf8)
        guard bytes.count < MemoryLayout.size(ofValue: address.sun_path) else {
            throw KataError(.invalidArgument, "socket path too long: \(path)")
        }
        withUnsafeMutableBytes(of: &address.sun_path) { raw in
            raw.copyBytes(from: bytes)
            raw[bytes.count] = 0
        }
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { throw KataError.system("socket", errno: errno) }
        // The handshake reply must not block forever on a peer that never answers.
        let seconds = max(timeout.components.seconds, 1)
        var limit = timeval(tv_sec: Int(seconds), tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &limit, socklen_t(MemoryLayout<timeval>.size))
        let rc = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                Glibc.connect(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
            }
        }
        guard rc == 0 else {
            let code = errno
            close(fd)
            throw KataError.system("connect \(path)", errno: code)
        }
        return fd
    }

    static func writeAll(_ fd: Int32, _ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let n = bytes[offset...].withUnsafeBytes {
                send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            if n < 0 && errno == EINTR { continue }
            guard n > 0 else { throw KataError.system("write", errno: errno) }
            offset += n
        }
    }
}
