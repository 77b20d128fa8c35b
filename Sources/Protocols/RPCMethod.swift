import SwiftProtobuf
import TTRPC

/// Names one RPC of a protobuf service together with its argument and result types.
///
/// The generated `<Package>_<Service>Methods` enums hold one value per rpc. This module depends on
/// SwiftProtobuf only, so the transport (TTRPC) accepts these values through its own
/// `TTRPCMethodDescriptor` protocol; a module using both declares the conformance once.
public struct RPCMethod<Request: SwiftProtobuf.Message, Response: SwiftProtobuf.Message>: Sendable {
    /// Fully qualified service name, e.g. "containerd.task.v2.Task".
    public let service: String
    /// Method name as written in the .proto file, e.g. "Create".
    public let method: String
    /// The client sends a stream of requests.
    public let clientStreaming: Bool
    /// The server answers with a stream of responses.
    public let serverStreaming: Bool

    public init(service: String, method: String, clientStreaming: Bool = false, serverStreaming: Bool = false)
    {
        self.service = service
        self.method = method
        self.clientStreaming = clientStreaming
        self.serverStreaming = serverStreaming
    }
}

// The transport takes the generated descriptors directly; declared once, here.
extension RPCMethod: TTRPCMethodDescriptor {}
