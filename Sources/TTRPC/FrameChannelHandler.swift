import Logging
import NIOCore

/// Receives the frames of one connection; called on the connection's event loop.
protocol FrameSink: AnyObject, Sendable {
    func received(_ frame: Frame)
    /// Called once, when the connection is gone; `reason` says why when it was an error.
    func connectionClosed(reason: String?)
}

/// Turns inbound bytes into frames for a `FrameSink`. A framing error closes the connection
/// with a logged reason; it never affects other connections.
final class FrameChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer

    private var reader = FrameReader()
    private let sink: any FrameSink
    private let logger: Logger
    private var closeReported = false

    init(sink: any FrameSink, logger: Logger) {
        self.sink = sink
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        reader.append(unwrapInboundIn(data))
        do {
            while let frame = try reader.next() {
                sink.received(frame)
            }
        } catch {
            fail(context: context, reason: "\(error)")
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        reportClose(reason: nil)
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        fail(context: context, reason: "transport error: \(error)")
    }

    private func fail(context: ChannelHandlerContext, reason: String) {
        logger.error("closing ttrpc connection", metadata: ["reason": "\(reason)"])
        reportClose(reason: reason)
        context.close(promise: nil)
    }

    private func reportClose(reason: String?) {
        guard !closeReported else { return }
        closeReported = true
        sink.connectionClosed(reason: reason)
    }
}

extension Channel {
    /// Encodes and sends one frame; safe from any thread. An oversize frame fails the future.
    func writeFrame(_ frame: Frame) -> EventLoopFuture<Void> {
        var buffer = allocator.buffer(capacity: Frame.headerLength + frame.payload.readableBytes)
        do {
            try frame.encode(into: &buffer)
        } catch {
            return eventLoop.makeFailedFuture(error)
        }
        return writeAndFlush(buffer)
    }
}
