import Foundation
import KataCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Runtime

/// The sandbox's management socket (`<state dir>/shim-monitor.sock`, HTTP): `GET /metrics`
/// answers Prometheus text about the shim and QEMU processes and the guest (agent GetMetrics),
/// for kata-monitor.
final class ShimMonitor: Sendable {
    private let channel: any Channel
    let socketPath: String

    private init(channel: any Channel, socketPath: String) {
        self.channel = channel
        self.socketPath = socketPath
    }

    static func start(socketPath: String, metrics: @escaping @Sendable () async -> String) async throws
        -> ShimMonitor
    {
        unlink(socketPath)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(MetricsHandler(metrics: metrics))
                }
            }
            .bind(unixDomainSocketPath: socketPath).get()
        return ShimMonitor(channel: channel, socketPath: socketPath)
    }

    func stop() async {
        try? await channel.close()
        unlink(socketPath)
    }
}

/// Answers GET /metrics; anything else is 404.
final class MetricsHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let metrics: @Sendable () async -> String

    init(metrics: @escaping @Sendable () async -> String) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let found = head.method == .GET && head.uri.split(separator: "?").first == "/metrics"
        let loop = context.eventLoop
        let promise = loop.makePromise(of: String.self)
        if found {
            promise.completeWithTask { await self.metrics() }
        } else {
            promise.succeed("not found\n")
        }
        let bound = NIOLoopBound((context, self), eventLoop: loop)
        promise.futureResult.whenSuccess { body in
            let (context, handler) = bound.value
            var headers = HTTPHeaders()
            headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4" : "text/plain")
            headers.add(name: "Content-Length", value: "\(body.utf8.count)")
            let status: HTTPResponseStatus = found ? .ok : .notFound
            context.write(
                handler.wrapOutboundOut(
                    .head(HTTPResponseHead(version: head.version, status: status, headers: headers))),
                promise: nil)
            context.write(handler.wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: body)))), promise: nil)
            let written = context.writeAndFlush(handler.wrapOutboundOut(.end(nil)))
            if !head.isKeepAlive {
                // HTTP/1.0 without keep-alive: the end of the body is the end of the connection.
                written.whenComplete { _ in bound.value.0.close(promise: nil) }
            }
        }
    }
}
