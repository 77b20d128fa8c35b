import KataAgentService
import Protocols
import SwiftProtobuf

/// The guest agent's request checks, on requests decoded from fuzzed protobuf bytes as the
/// agent's ttrpc service decodes them: the first byte picks the request type, the rest is its
/// serialized message. `validate` must refuse or accept, never trap; a CreateContainer it
/// accepts must give a rootfs path without "." or ".." components.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzAgentRequests(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let input = fuzzBytes(data, count)
    guard let selector = input.first else { return 0 }
    let message = Array(input.dropFirst())
    let decoders = AgentRequestDecoders.all
    let decode = decoders[Int(selector) % decoders.count]
    guard let request = try? decode(message) else { return 0 }
    let paths = GuestPaths()
    guard (try? request.validate(paths)) != nil else { return 0 }
    if let create = request as? Grpc_CreateContainerRequest {
        let rootfs = paths.rootfs(containerID: create.containerID, rootPath: create.oci.root.path)
        let parts = rootfs.split(separator: "/")
        invariant(!parts.contains("..") && !parts.contains("."), "accepted rootfs \(rootfs)")
    }
    return 0
}

enum AgentRequestDecoders {
    typealias Decoder = @Sendable ([UInt8]) throws -> any ValidatedRequest

    static func of<Request: ValidatedRequest>(_ type: Request.Type) -> Decoder {
        { try Request(serializedBytes: $0) }
    }

    static let all: [Decoder] = [
        of(Grpc_CreateSandboxRequest.self), of(Grpc_CreateContainerRequest.self),
        of(Grpc_StartContainerRequest.self), of(Grpc_RemoveContainerRequest.self),
        of(Grpc_PauseContainerRequest.self), of(Grpc_ResumeContainerRequest.self),
        of(Grpc_StatsContainerRequest.self), of(Grpc_UpdateContainerRequest.self),
        of(Grpc_ExecProcessRequest.self), of(Grpc_SignalProcessRequest.self),
        of(Grpc_WaitProcessRequest.self), of(Grpc_WriteStreamRequest.self),
        of(Grpc_ReadStreamRequest.self), of(Grpc_CloseStdinRequest.self),
        of(Grpc_TtyWinResizeRequest.self), of(Grpc_CopyFileRequest.self),
        of(Grpc_SetGuestDateTimeRequest.self), of(Grpc_ReseedRandomDevRequest.self),
    ]
}
