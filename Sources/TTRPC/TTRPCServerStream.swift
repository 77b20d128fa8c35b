import SwiftProtobuf

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The raw side of a server stream: payloads in, a way to send payloads out.
struct ServerStreamIO: Sendable {
    let inbound: AsyncThrowingStream<Data, any Error>
    let send: @Sendable (Data) async throws -> Void
}

/// A streaming call as its handler sees it.
public struct TTRPCServerStream<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>: Sendable {
    let io: ServerStreamIO

    /// The client's messages; ends when the client closes its side.
    public var requests: AsyncThrowingMapSequence<AsyncThrowingStream<Data, any Error>, Request> {
        io.inbound.map { payload in
            do {
                return try Request(serializedBytes: payload)
            } catch {
                throw TTRPCError(.invalidArgument, "cannot decode \(Request.protoMessageName): \(error)")
            }
        }
    }

    /// Sends one message to the client as a data frame.
    public func send(_ message: Response) async throws {
        try await io.send(message.serializedData())
    }
}
