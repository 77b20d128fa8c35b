/// Where a ttrpc client connects or a server listens.
///
/// A virtio-serial port is reached as `.unixSocket` on the host (QEMU's chardev socket) and as
/// an already-open character device in the guest (`TTRPCServer.serve(fileDescriptor:)`).
public enum TTRPCEndpoint: Sendable, Hashable, CustomStringConvertible {
    case unixSocket(path: String)
    /// AF_VSOCK; `cid` is ignored when listening (any CID is accepted).
    case vsock(cid: UInt32, port: UInt32)

    public var description: String {
        switch self {
        case .unixSocket(let path): "unix:\(path)"
        case .vsock(let cid, let port): "vsock:\(cid):\(port)"
        }
    }
}
