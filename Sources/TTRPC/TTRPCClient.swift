import KataCore
import Logging
import NIOCore
import NIOPosix

/// A ttrpc client over one connection. Calls may run concurrently; each gets its own stream.
///
/// Call `close()` when done: the connection stays open until then.
public final class TTRPCClient: Sendable {
    let channel: any Channel
    let core: ClientCore

    private init(channel: any Channel, core: ClientCore) {
        self.channel = channel
        self.core = core
    }

    /// Connects to a unix socket (including a QEMU virtio-serial chardev socket) or a vsock.
    public static func connect(
        to endpoint: TTRPCEndpoint, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "ttrpc.client")
    ) async throws -> TTRPCClient {
        let core = ClientCore(logger: logger)
        let channel = try await ChannelFactory.connect(
            to: endpoint, group: group, initializer: initializer(core, logger))
        return TTRPCClient(channel: channel, core: core)
    }

    /// Uses an already connected socket (one end of a socketpair, an accepted socket).
    /// Takes ownership of `descriptor`.
    public static func adopt(
        connectedSocket descriptor: CInt, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "ttrpc.client")
    ) async throws -> TTRPCClient {
        let core = ClientCore(logger: logger)
        let channel = try await ChannelFactory.adopt(
            connectedSocket: descriptor, group: group, initializer: initializer(core, logger))
        return TTRPCClient(channel: channel, core: core)
    }

    /// Uses an open read-write character device or pipe. Takes ownership of `descriptor`.
    public static func adopt(
        fileDescriptor descriptor: CInt, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger = Logger(label: "ttrpc.client")
    ) async throws -> TTRPCClient {
        let core = ClientCore(logger: logger)
        let channel = try await ChannelFactory.adopt(
            fileDescriptor: descriptor, group: group, initializer: initializer(core, logger))
        return TTRPCClient(channel: channel, core: core)
    }

    private static func initializer(_ core: ClientCore, _ logger: Logger) -> ChannelFactory.Initializer {
        { channel in
            channel.eventLoop.makeCompletedFuture {
                try channel.pipeline.syncOperations.addHandler(
                    FrameChannelHandler(sink: core, logger: logger))
            }
        }
    }

    /// Closes the connection; calls still waiting fail with `.unavailable`.
    public func close() async {
        try? await channel.close()
    }

    /// Completes when the connection is closed, by either side.
    public func waitClosed() async {
        try? await channel.closeFuture.get()
    }
}
