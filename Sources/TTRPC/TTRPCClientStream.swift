import NIOCore
import SwiftProtobuf

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A streaming call from the client side: send requests (when the method streams them),
/// close the sending side, and read the responses.
public struct TTRPCClientStream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>: Sendable {
    let client: TTRPCClient
    let id: UInt32
    let what: String
    let serverStreaming: Bool
    let events: AsyncThrowingStream<ClientStreamEvent, any Error>

    /// Sends one request as a data frame.
    public func send(_ message: Request) async throws {
        let payload: [UInt8] = try message.serializedBytes()
        guard payload.count <= Frame.maxPayloadLength else {
            throw TTRPCError(
                .resourceExhausted,
                "\(what): message of \(payload.count) bytes exceeds the \(Frame.maxPayloadLength) limit")
        }
        try await write(
            Frame(streamID: id, type: .data, payload: client.channel.allocator.buffer(bytes: payload)))
    }

    /// Tells the server no more requests follow.
    public func closeSend() async throws {
        try await write(Frame(streamID: id, type: .data, flags: [.remoteClosed, .noData]))
    }

    /// The server's messages, in order. Ends when the server closes the stream; throws
    /// `TTRPCError` when it ends with an error status.
    public var responses: TTRPCResponseSequence<Response> {
        TTRPCResponseSequence(events: events, serverStreaming: serverStreaming, what: what)
    }

    private func write(_ frame: Frame) async throws {
        do {
            try await client.channel.writeFrame(frame).get()
        } catch {
            throw TTRPCError(.unavailable, "\(what): cannot send: \(error)")
        }
    }
}

/// Decoded responses of a client stream.
public struct TTRPCResponseSequence<Response: SwiftProtobuf.Message>: AsyncSequence, Sendable {
    public typealias Element = Response
    let events: AsyncThrowingStream<ClientStreamEvent, any Error>
    let serverStreaming: Bool
    let what: String

    public struct AsyncIterator: AsyncIteratorProtocol {
        var events: AsyncThrowingStream<ClientStreamEvent, any Error>.AsyncIterator
        let serverStreaming: Bool
        let what: String

        public mutating func next() async throws -> Response? {
            switch try await events.next() {
            case nil:
                return nil
            case .data(let payload):
                return try TTRPCClient.decode(
                    Response.self, from: Data(payload.readableBytesView), what: what)
            case .response(let response):
                try TTRPCClient.check(response.status, what: what)
                // A final response carries a message only for methods whose results do not stream.
                guard !serverStreaming || !response.payload.isEmpty else { return nil }
                return try TTRPCClient.decode(Response.self, from: response.payload, what: what)
            }
        }
    }

    public func makeAsyncIterator() -> AsyncIterator {
        AsyncIterator(events: events.makeAsyncIterator(), serverStreaming: serverStreaming, what: what)
    }
}

extension TTRPCClient {
    /// Opens a streaming call. For a method that does not stream requests, pass the single
    /// `request` here; otherwise send them on the returned stream and call `closeSend()`.
    public func openStream<Method: TTRPCMethodDescriptor>(
        _ method: Method, request: Method.Request? = nil, options: TTRPCCallOptions = TTRPCCallOptions()
    ) async throws -> TTRPCClientStream<Method.Request, Method.Response> {
        let what = "\(method.service)/\(method.method)"
        let body = try requestBody(
            service: method.service, method: method.method, payload: request, options: options)
        let (events, continuation) = AsyncThrowingStream<ClientStreamEvent, any Error>.makeStream()
        let flags: FrameFlags = method.clientStreaming ? [.remoteOpen] : [.remoteClosed]
        let request = Frame(streamID: 0, type: .request, flags: flags, payload: body)
        guard let id = core.open(.stream(continuation), request: request, on: channel) else {
            for try await _ in events {}
            throw TTRPCError(.internal, "\(what): stream ended before it opened")
        }
        let timer = scheduleDeadline(id: id, what: what, options: options)
        continuation.onTermination = { [core] _ in
            timer?.cancel()
            core.forget(id)
        }
        return TTRPCClientStream(
            client: self, id: id, what: what, serverStreaming: method.serverStreaming, events: events)
    }
}
