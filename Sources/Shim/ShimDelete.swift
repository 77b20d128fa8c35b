import Foundation
import Logging
import Protocols
import Runtime
import SwiftProtobuf

/// `containerd-shim-kata-v2 ... delete`: containerd's clean-up call after a shim died. Kills
/// the VM the persisted state names, removes mounts, sockets and directories, and answers a
/// DeleteResponse (protobuf) on stdout, as a killed task.
enum ShimDelete {
    static func run(_ args: ShimArguments, logger: Logger) throws -> [UInt8] {
        Sandbox.cleanUp(paths: SandboxPaths(sandboxID: args.id), logger: logger)
        let socket = ShimSocketAddress.path(
            containerdAddress: args.address, namespace: args.namespace, id: args.id)
        try? FileManager.default.removeItem(atPath: socket)
        var response = Containerd_Task_V2_DeleteResponse()
        response.exitStatus = 128 + 9
        response.exitedAt = Google_Protobuf_Timestamp(date: Date())
        return try response.serializedBytes()
    }
}
