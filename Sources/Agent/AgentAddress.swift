import KataCore

/// Where the agent of a sandbox is reached from the host.
public enum AgentAddress: Sendable, Equatable, CustomStringConvertible {
    /// AF_VSOCK to the guest's context id (vhost-vsock).
    case vsock(cid: UInt32, port: UInt32)
    /// A unix socket speaking the hybrid-vsock handshake (`CONNECT <port>\n`, answered
    /// `OK <host port>\n`), as Firecracker and Cloud Hypervisor expose guest vsock.
    case hybridVsock(socketPath: String, port: UInt32)
    /// QEMU's unix-socket chardev behind the guest's virtio-serial port `agent.channel.0`.
    case serialSocket(path: String)

    public static let defaultPort: UInt32 = 1024

    /// Parses `vsock://CID:PORT`, `hvsock://PATH:PORT` (or `hybrid-vsock://`) and
    /// `unix://PATH` (a virtio-serial chardev socket).
    public init(parsing text: String) throws {
        func split(_ rest: Substring) throws -> (Substring, UInt32) {
            guard let colon = rest.lastIndex(of: ":"), let port = UInt32(rest[rest.index(after: colon)...])
            else {
                throw KataError(.invalidArgument, "agent address \"\(text)\": expected ...:PORT")
            }
            return (rest[..<colon], port)
        }
        if let rest = text.dropPrefix("vsock://") {
            let (cidText, port) = try split(rest)
            guard let cid = UInt32(cidText) else {
                throw KataError(
                    .invalidArgument, "agent address \"\(text)\": CID \"\(cidText)\" is not a number")
            }
            self = .vsock(cid: cid, port: port)
        } else if let rest = text.dropPrefix("hvsock://") ?? text.dropPrefix("hybrid-vsock://") {
            let (path, port) = try split(rest)
            guard path.hasPrefix("/") else {
                throw KataError(.invalidArgument, "agent address \"\(text)\": socket path must be absolute")
            }
            self = .hybridVsock(socketPath: String(path), port: port)
        } else if let path = text.dropPrefix("unix://"), path.hasPrefix("/") {
            self = .serialSocket(path: String(path))
        } else {
            throw KataError(
                .invalidArgument,
                "agent address \"\(text)\": expected vsock://CID:PORT, hvsock://PATH:PORT or unix:///PATH")
        }
    }

    public var description: String {
        switch self {
        case .vsock(let cid, let port): "vsock://\(cid):\(port)"
        case .hybridVsock(let path, let port): "hvsock://\(path):\(port)"
        case .serialSocket(let path): "unix://\(path)"
        }
    }
}

extension String {
    fileprivate func dropPrefix(_ prefix: String) -> Substring? {
        hasPrefix(prefix) ? dropFirst(prefix.count) : nil
    }
}
