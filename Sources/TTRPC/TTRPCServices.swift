import SwiftProtobuf

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// The methods a server answers, by service and method name. Build it before creating the
/// server; it is a value, so a server's set of methods never changes while it runs.
public struct TTRPCServices: Sendable {
    enum Handler: Sendable {
        case unary(@Sendable (Data, TTRPCCallContext) async throws -> Data)
        case stream(
            clientStreaming: Bool, serverStreaming: Bool,
            @Sendable (ServerStreamIO, TTRPCCallContext) async throws -> Data?)
    }

    private var handlers: [String: [String: Handler]] = [:]

    public init() {}

    /// Registers a unary handler. Errors it throws are answered with `TTRPCError(answering:)`.
    public mutating func register<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>(
        service: String, method: String,
        _ handler: @escaping @Sendable (Request, TTRPCCallContext) async throws -> Response
    ) {
        add(service, method) { payload, context in
            let request: Request
            do {
                request = try Request(serializedBytes: payload)
            } catch {
                throw TTRPCError(.invalidArgument, "cannot decode \(Request.protoMessageName): \(error)")
            }
            return try await handler(request, context).serializedData()
        }
    }

    public mutating func register<Method: TTRPCMethodDescriptor>(
        _ method: Method,
        _ handler: @escaping @Sendable (Method.Request, TTRPCCallContext) async throws -> Method.Response
    ) {
        register(service: method.service, method: method.method, handler)
    }

    /// Registers a streaming handler. It reads requests from and sends responses to the stream;
    /// what it returns is the final response of a method that does not stream its results
    /// (nil for methods that do).
    public mutating func registerStream<Method: TTRPCMethodDescriptor>(
        _ method: Method,
        _ handler:
            @escaping @Sendable (TTRPCServerStream<Method.Request, Method.Response>, TTRPCCallContext)
            async throws -> Method.Response?
    ) {
        let entry = Handler.stream(
            clientStreaming: method.clientStreaming, serverStreaming: method.serverStreaming
        ) {
            io, context in
            try await handler(TTRPCServerStream(io: io), context)?.serializedData()
        }
        add(method.service, method.method, entry)
    }

    private mutating func add(
        _ service: String, _ method: String,
        _ body: @escaping @Sendable (Data, TTRPCCallContext) async throws -> Data
    ) {
        add(service, method, .unary(body))
    }

    private mutating func add(_ service: String, _ method: String, _ handler: Handler) {
        precondition(handlers[service]?[method] == nil, "ttrpc: \(service)/\(method) registered twice")
        handlers[service, default: [:]][method] = handler
    }

    /// The handler for a call, or the Unimplemented status to answer.
    func lookup(service: String, method: String) -> Result<Handler, TTRPCError> {
        guard let methods = handlers[service] else {
            return .failure(TTRPCError(.unimplemented, "service \(service)"))
        }
        guard let handler = methods[method] else {
            return .failure(TTRPCError(.unimplemented, "method \(service)/\(method)"))
        }
        return .success(handler)
    }
}
