import Logging
import NIOCore
import NIOPosix
import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// Serves a set of methods on any number of listeners and adopted connections.
///
/// Each connection is independent: a bad frame closes only that connection, and a slow handler
/// blocks only its own call. `shutdown()` closes everything the server opened.
public final class TTRPCServer: Sendable {
    let services: TTRPCServices
    let group: any EventLoopGroup
    let logger: Logger
    private let channels = Mutex<[ObjectIdentifier: any Channel]>([:])

    public init(
        services: TTRPCServices, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "ttrpc.server")
    ) {
        self.services = services
        self.group = group
        self.logger = logger
    }

    /// Listens on a unix socket path (a stale socket file is replaced) or a vsock port.
    public func listen(on endpoint: TTRPCEndpoint) async throws -> TTRPCServing {
        let channel = try await ChannelFactory.listen(
            on: endpoint, group: group, childInitializer: initializer())
        track(channel)
        return TTRPCServing(channel: channel, socketPath: endpoint.socketPath)
    }

    /// Serves one already connected socket, such as an end of a socketpair. Takes ownership.
    public func serve(connectedSocket descriptor: CInt) async throws -> TTRPCServing {
        let channel = try await ChannelFactory.adopt(
            connectedSocket: descriptor, group: group, initializer: initializer())
        return TTRPCServing(channel: channel, socketPath: nil)
    }

    /// Serves an open read-write character device, e.g. the guest's `/dev/vportNpM`
    /// virtio-serial port. Takes ownership of `descriptor`.
    public func serve(fileDescriptor descriptor: CInt) async throws -> TTRPCServing {
        let channel = try await ChannelFactory.adopt(
            fileDescriptor: descriptor, group: group, initializer: initializer())
        return TTRPCServing(channel: channel, socketPath: nil)
    }

    /// Closes every listener and connection of this server; running handlers are cancelled.
    public func shutdown() async {
        let open = channels.withLock { channels in
            defer { channels = [:] }
            return Array(channels.values)
        }
        for channel in open {
            try? await channel.close()
        }
    }

    private func initializer() -> ChannelFactory.Initializer {
        { [self] channel in
            channel.eventLoop.makeCompletedFuture {
                let connection = ServerConnection(channel: channel, services: services, logger: logger)
                try channel.pipeline.syncOperations.addHandler(
                    FrameChannelHandler(sink: connection, logger: logger))
                track(channel)
            }
        }
    }

    private func track(_ channel: any Channel) {
        let key = ObjectIdentifier(channel)
        channels.withLock { $0[key] = channel }
        channel.closeFuture.whenComplete { [self] _ in
            _ = channels.withLock { $0.removeValue(forKey: key) }
        }
    }
}

/// A listener or a served connection; closing it stops serving there.
public struct TTRPCServing: Sendable {
    let channel: any Channel
    let socketPath: String?

    /// Stops serving; a unix socket file this listener created is removed.
    public func close() async {
        try? await channel.close()
        if let socketPath { unlink(socketPath) }
    }

    /// Completes when the listener or connection is closed, by either side.
    public func waitClosed() async {
        try? await channel.closeFuture.get()
    }
}

extension TTRPCEndpoint {
    var socketPath: String? {
        if case .unixSocket(let path) = self { return path }
        return nil
    }
}
