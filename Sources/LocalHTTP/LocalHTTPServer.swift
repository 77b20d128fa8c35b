import KataCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// A small HTTP/1.1 server for GET routes: the shim's management socket (a unix socket) and
/// kata-monitor's listener (TCP). Anything but GET on a known path is answered 404/405.
package final class LocalHTTPServer: Sendable {
    private let channel: any Channel
    /// Where it listens: the socket path, or host:port.
    package let address: String
    private let socketPath: String?

    private init(channel: any Channel, address: String, socketPath: String?) {
        self.channel = channel
        self.address = address
        self.socketPath = socketPath
    }

    /// Serves on a unix socket at `socketPath` (replacing a stale one).
    package static func start(socketPath: String, routes: [String: HTTPRoute]) async throws -> LocalHTTPServer
    {
        unlink(socketPath)
        let channel = try await bootstrap(routes).bind(unixDomainSocketPath: socketPath).get()
        return LocalHTTPServer(channel: channel, address: socketPath, socketPath: socketPath)
    }

    /// Serves on TCP `host:port` (port 0 picks a free one; `address` tells which).
    package static func start(host: String, port: Int, routes: [String: HTTPRoute]) async throws
        -> LocalHTTPServer
    {
        let channel = try await bootstrap(routes)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: host, port: port).get()
        let bound = channel.localAddress?.port ?? port
        return LocalHTTPServer(channel: channel, address: "\(host):\(bound)", socketPath: nil)
    }

    package var port: Int? { channel.localAddress?.port }

    package func stop() async {
        try? await channel.close()
        if let socketPath { unlink(socketPath) }
    }

    private static func bootstrap(_ routes: [String: HTTPRoute]) -> ServerBootstrap {
        ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(RouteHandler(routes: routes))
                }
            }
    }
}

/// Answers GET on the known paths; anything else is 404 (405 for another method).
final class RouteHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let routes: [String: HTTPRoute]

    init(routes: [String: HTTPRoute]) { self.routes = routes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let parts = head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)
        let path = parts.first.map(String.init) ?? ""
        let route = routes[path]
        let loop = context.eventLoop
        let promise = loop.makePromise(of: HTTPRoute.Reply.self)
        if route != nil && head.method != .GET {
            promise.succeed(HTTPRoute.Reply(status: .methodNotAllowed, body: "only GET is served\n"))
        } else if let fixed = route?.fixed {
            promise.succeed(fixed)
        } else if let computed = route?.computed {
            let request = HTTPRoute.Request(
                query: parts.count == 2 ? HTTPRoute.parseQuery(parts[1]) : [:],
                accept: head.headers["Accept"].first ?? "")
            promise.completeWithTask { await computed(request) }
        } else {
            promise.succeed(HTTPRoute.Reply(status: .notFound, body: "not found\n"))
        }
        let bound = NIOLoopBound((context, self), eventLoop: loop)
        promise.futureResult.whenSuccess { reply in
            let (context, handler) = bound.value
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: reply.contentType)
            headers.add(name: "Content-Length", value: "\(reply.body.utf8.count)")
            context.write(
                handler.wrapOutboundOut(
                    .head(HTTPResponseHead(version: head.version, status: reply.status, headers: headers))),
                promise: nil)
            context.write(
                handler.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: reply.body)))), promise: nil)
            let written = context.writeAndFlush(handler.wrapOutboundOut(.end(nil)))
            if !head.isKeepAlive {
                // HTTP/1.0 without keep-alive: the end of the body is the end of the connection.
                written.whenComplete { _ in bound.value.0.close(promise: nil) }
            }
        }
    }
}
