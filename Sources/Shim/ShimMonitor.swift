import Foundation
import KataCore
import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import Runtime

/// The sandbox's management socket (`<state dir>/shim-monitor.sock`, HTTP), as upstream's:
/// `GET /metrics` answers Prometheus text about the shim and QEMU processes and the guest (agent
/// GetMetrics), for kata-monitor; `GET /measurement` the launch measurement computed before the
/// VM started (JSON), 404 for a plain VM.
final class ShimMonitor: Sendable {
    private let channel: any Channel
    let socketPath: String

    private init(channel: any Channel, socketPath: String) {
        self.channel = channel
        self.socketPath = socketPath
    }

    static func start(socketPath: String, routes: [String: MonitorRoute]) async throws -> ShimMonitor {
        unlink(socketPath)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline().flatMap {
                    channel.pipeline.addHandler(MonitorHandler(routes: routes))
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

/// What one GET path answers: a status, a content type and a body.
struct MonitorRoute: Sendable {
    struct Reply: Sendable {
        var status: HTTPResponseStatus
        var contentType: String
        var body: String
    }

    /// A reply known in advance, answered on the event loop itself.
    let fixed: Reply?
    /// A reply computed per request (on Swift's concurrency pool).
    let computed: (@Sendable () async -> Reply)?

    static func prometheus(_ text: @escaping @Sendable () async -> String) -> MonitorRoute {
        MonitorRoute(fixed: nil) {
            Reply(status: .ok, contentType: "text/plain; version=0.0.4", body: await text())
        }
    }

    /// The measurement as JSON (with the initdata digest, `initdata`, when the pod has one), or
    /// 404 saying why there is none — and naming an initdata digest that nothing attests.
    static func measurement(_ measurement: ExpectedMeasurement?, initdata: InitdataBinding? = nil)
        -> MonitorRoute
    {
        let reply: Reply
        if let measurement, let data = try? JSONEncoder.sortedPretty.encode(measurement) {
            reply = Reply(
                status: .ok, contentType: "application/json",
                body: String(decoding: data, as: UTF8.self) + "\n")
        } else {
            let unbound =
                initdata.map {
                    "; initdata \($0.algorithm) \($0.digest) was delivered to the guest, bound to no hardware"
                } ?? ""
            reply = Reply(
                status: .notFound, contentType: "text/plain",
                body: "no launch measurement: this sandbox is not a confidential guest\(unbound)\n")
        }
        return MonitorRoute(fixed: reply, computed: nil)
    }
}

extension JSONEncoder {
    /// Stable output for reports: sorted keys, indented.
    static var sortedPretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}

/// Answers GET on the known paths; anything else is 404.
final class MonitorHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart
    let routes: [String: MonitorRoute]

    init(routes: [String: MonitorRoute]) { self.routes = routes }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .head(let head) = unwrapInboundIn(data) else { return }
        let path =
            head.uri.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false).first
            .map(String.init) ?? ""
        let route = head.method == .GET ? routes[path] : nil
        let loop = context.eventLoop
        let promise = loop.makePromise(of: MonitorRoute.Reply.self)
        if let fixed = route?.fixed {
            promise.succeed(fixed)
        } else if let computed = route?.computed {
            promise.completeWithTask { await computed() }
        } else {
            promise.succeed(
                MonitorRoute.Reply(status: .notFound, contentType: "text/plain", body: "not found\n"))
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
