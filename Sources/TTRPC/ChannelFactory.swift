import KataCore
import NIOCore
import NIOPosix

#if canImport(Glibc)
    import Glibc
#endif

/// Opens the byte streams ttrpc runs over. Each function installs `initializer` on the new
/// channel before any byte is read, and reports failures as `KataError(.system)`.
enum ChannelFactory {
    typealias Initializer = @Sendable (Channel) -> EventLoopFuture<Void>

    static func connect(
        to endpoint: TTRPCEndpoint, group: any EventLoopGroup, initializer: @escaping Initializer
    ) async throws -> Channel {
        let bootstrap = ClientBootstrap(group: group).channelInitializer(initializer)
        return try await opening(endpoint) {
            switch endpoint {
            case .unixSocket(let path): bootstrap.connect(unixDomainSocketPath: path)
            case .vsock(let cid, let port):
                bootstrap.connect(to: VsockAddress(cid: .init(rawValue: cid), port: .init(rawValue: port)))
            }
        }
    }

    static func listen(
        on endpoint: TTRPCEndpoint, group: any EventLoopGroup, childInitializer: @escaping Initializer
    ) async throws -> Channel {
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(.backlog, value: 128)
            .childChannelInitializer(childInitializer)
        return try await opening(endpoint) {
            switch endpoint {
            case .unixSocket(let path):
                bootstrap.bind(unixDomainSocketPath: path, cleanupExistingSocketFile: true)
            case .vsock(_, let port): bootstrap.bind(to: VsockAddress(cid: .any, port: .init(rawValue: port)))
            }
        }
    }

    /// A connected socket (e.g. one end of a socketpair). Takes ownership of `descriptor`.
    static func adopt(
        connectedSocket descriptor: CInt, group: any EventLoopGroup, initializer: @escaping Initializer
    ) async throws -> Channel {
        do {
            return try await ClientBootstrap(group: group).channelInitializer(initializer)
                .withConnectedSocket(descriptor).get()
        } catch {
            throw KataError(.system, "ttrpc: cannot use socket descriptor \(descriptor): \(error)")
        }
    }

    /// A character device or pipe opened read-write, such as a virtio-serial port in the guest.
    /// Takes ownership of `descriptor` on success.
    static func adopt(
        fileDescriptor descriptor: CInt, group: any EventLoopGroup, initializer: @escaping Initializer
    ) async throws -> Channel {
        // NIO's `takingOwnershipOfDescriptor(inputOutput:)` dups without close-on-exec, so the
        // copy would leak into every child process (in the guest: crun and the containers),
        // keeping a one-open-only virtio-serial port busy after the connection ends.
        let output = fcntl(descriptor, F_DUPFD_CLOEXEC, 0)
        guard output >= 0 else {
            throw KataError.system("ttrpc: duplicate file descriptor \(descriptor)", errno: errno)
        }
        do {
            return try await NIOPipeBootstrap(group: group).channelInitializer(initializer)
                .takingOwnershipOfDescriptors(input: descriptor, output: output).get()
        } catch {
            close(output)
            throw KataError(.system, "ttrpc: cannot use file descriptor \(descriptor): \(error)")
        }
    }

    private static func opening(
        _ endpoint: TTRPCEndpoint, _ open: () -> EventLoopFuture<Channel>
    ) async throws -> Channel {
        do {
            return try await open().get()
        } catch {
            throw KataError(.system, "ttrpc: cannot open \(endpoint): \(error)")
        }
    }
}
