import KataCore
import NIOCore
import NIOHTTP1
import NIOPosix

/// GET over a unix socket (a shim's management socket), bounded in time and size: a hung or
/// flooding shim fails its own request and nothing else.
package enum LocalHTTPClient {
    package struct Response: Sendable {
        package var status: HTTPResponseStatus
        package var body: String
    }

    package static func get(
        socketPath: String, path: String, timeout: Duration = .seconds(5), maxBytes: Int = 4 << 20
    ) async throws -> Response {
        let group = MultiThreadedEventLoopGroup.singleton
        let loop = group.next()
        let promise = loop.makePromise(of: Response.self)
        let nanoseconds = timeout.wholeNanoseconds
        let deadline = loop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            promise.fail(KataError(.timeout, "\(socketPath): no answer to GET \(path) within \(timeout)"))
        }
        let connected = ClientBootstrap(group: loop)
            .connectTimeout(.nanoseconds(nanoseconds))
            .channelInitializer { channel in
                channel.pipeline.addHTTPClientHandlers().flatMap {
                    channel.pipeline.addHandler(
                        ResponseCollector(promise: promise, maxBytes: maxBytes, source: socketPath))
                }
            }
            .connect(unixDomainSocketPath: socketPath)
        connected.whenFailure { error in
            promise.fail(KataError(.system, "\(socketPath): cannot connect: \(error)"))
        }
        connected.whenSuccess { channel in
            var headers = HTTPHeaders()
            headers.add(name: "Host", value: "localhost")
            headers.add(name: "Connection", value: "close")
            channel.write(
                HTTPClientRequestPart.head(
                    .init(version: .http1_1, method: .GET, uri: path, headers: headers)), promise: nil)
            channel.writeAndFlush(HTTPClientRequestPart.end(nil), promise: nil)
        }
        promise.futureResult.whenComplete { _ in
            deadline.cancel()
            connected.whenSuccess { $0.close(promise: nil) }
        }
        return try await promise.futureResult.get()
    }
}

/// Collects one response; fails it when the body exceeds `maxBytes` or the peer hangs up early.
private final class ResponseCollector: ChannelInboundHandler, @unchecked Sendable {
    // Used only on its channel's event loop.
    typealias InboundIn = HTTPClientResponsePart
    let promise: EventLoopPromise<LocalHTTPClient.Response>
    let maxBytes: Int
    let source: String
    var status: HTTPResponseStatus = .ok
    var body: [UInt8] = []

    init(promise: EventLoopPromise<LocalHTTPClient.Response>, maxBytes: Int, source: String) {
        self.promise = promise
        self.maxBytes = maxBytes
        self.source = source
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head): status = head.status
        case .body(var buffer):
            guard body.count + buffer.readableBytes <= maxBytes else {
                promise.fail(KataError(.malformedInput, "\(source): answer larger than \(maxBytes) bytes"))
                context.close(promise: nil)
                return
            }
            body += buffer.readBytes(length: buffer.readableBytes) ?? []
        case .end:
            promise.succeed(
                LocalHTTPClient.Response(status: status, body: String(decoding: body, as: UTF8.self)))
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        promise.fail(KataError(.remote, "\(source): connection closed before the answer ended"))
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        promise.fail(KataError(.remote, "\(source): \(error)"))
        context.close(promise: nil)
    }
}
