import NIOCore
import SwiftProtobuf

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension TTRPCClient {
    /// Calls a unary method and returns its decoded result.
    /// Throws `TTRPCError` with the server's status code, or `.deadlineExceeded`, `.cancelled`
    /// (the calling task was cancelled) or `.unavailable` (the connection is gone).
    public func call<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        service: String, method: String, request: Request, responseType: Response.Type = Response.self,
        options: TTRPCCallOptions = TTRPCCallOptions()
    ) async throws -> Response {
        let what = "\(service)/\(method)"
        let body = try requestBody(service: service, method: method, payload: request, options: options)
        let slot = UnaryCallSlot()
        defer { slot.finish() }
        let response = try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { continuation in
                slot.open {
                    let request = Frame(streamID: 0, type: .request, payload: body)
                    guard let id = core.open(.unary(continuation), request: request, on: channel) else {
                        return nil
                    }
                    return (id, scheduleDeadline(id: id, what: what, options: options))
                } orFail: {
                    continuation.resume(throwing: TTRPCError(.cancelled, "\(what): cancelled by the caller"))
                }
            }
        } onCancel: { [core] in
            slot.cancel { id in core.fail(id, TTRPCError(.cancelled, "\(what): cancelled by the caller")) }
        }
        try Self.check(response.status, what: what)
        return try Self.decode(Response.self, from: response.payload, what: what)
    }

    /// Calls a unary method named by a descriptor.
    public func call<Method: TTRPCMethodDescriptor>(
        _ method: Method, _ request: Method.Request, options: TTRPCCallOptions = TTRPCCallOptions()
    ) async throws -> Method.Response {
        try await call(
            service: method.service, method: method.method, request: request,
            responseType: Method.Response.self, options: options)
    }

    func requestBody(
        service: String, method: String, payload: (any SwiftProtobuf.Message)?, options: TTRPCCallOptions
    ) throws -> ByteBuffer {
        var request = Ttrpc_Request()
        request.service = service
        request.method = method
        if let payload { request.payload = try payload.serializedData() }
        request.timeoutNano = options.timeoutNanoseconds
        request.metadata = options.metadata.wire
        let bytes: [UInt8] = try request.serializedBytes()
        guard bytes.count <= Frame.maxPayloadLength else {
            throw TTRPCError(
                .resourceExhausted,
                "\(service)/\(method): request of \(bytes.count) bytes exceeds the \(Frame.maxPayloadLength) limit"
            )
        }
        return channel.allocator.buffer(bytes: bytes)
    }

    func scheduleDeadline(id: UInt32, what: String, options: TTRPCCallOptions) -> Scheduled<Void>? {
        guard let timeout = options.timeout else { return nil }
        let nanos = options.timeoutNanoseconds
        return channel.eventLoop.scheduleTask(in: .nanoseconds(nanos)) { [core] in
            core.fail(id, TTRPCError(.deadlineExceeded, "\(what): no answer within \(timeout)"))
        }
    }

    static func check(_ status: Google_Rpc_Status, what: String) throws {
        let code = TTRPCStatusCode(wireValue: status.code)
        guard code == .ok else { throw TTRPCError(code, status.message) }
    }

    static func decode<M: SwiftProtobuf.Message>(_ type: M.Type, from bytes: Data, what: String) throws -> M {
        do {
            return try M(serializedBytes: bytes)
        } catch {
            throw TTRPCError(.internal, "\(what): cannot decode \(M.protoMessageName): \(error)")
        }
    }
}
