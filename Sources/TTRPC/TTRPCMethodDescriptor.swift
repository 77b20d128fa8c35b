import SwiftProtobuf

/// Names an RPC and its message types, so calls and handler registrations are typed.
/// `Protocols.RPCMethod` has exactly these members; a module importing both makes it conform
/// with `extension RPCMethod: TTRPCMethodDescriptor {}`.
public protocol TTRPCMethodDescriptor: Sendable {
    associatedtype Request: SwiftProtobuf.Message
    associatedtype Response: SwiftProtobuf.Message
    var service: String { get }
    var method: String { get }
    var clientStreaming: Bool { get }
    var serverStreaming: Bool { get }
}

/// A method descriptor for services declared by hand (tests, small internal services).
public struct TTRPCMethod<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>:
    TTRPCMethodDescriptor
{
    public let service: String
    public let method: String
    public let clientStreaming: Bool
    public let serverStreaming: Bool

    public init(
        _ service: String, _ method: String, clientStreaming: Bool = false, serverStreaming: Bool = false
    ) {
        self.service = service
        self.method = method
        self.clientStreaming = clientStreaming
        self.serverStreaming = serverStreaming
    }
}
