import Foundation
import KataCore
import Logging
import OCI
import Protocols
import Runtime
import SwiftProtobuf

/// `containerd-shim-kata-v2 ... delete`: containerd's clean-up call after a shim died. Kills
/// the VM the persisted state names, removes mounts, sockets and directories, and answers a
/// DeleteResponse (protobuf) on stdout, as a killed task.
enum ShimDelete {
    static func run(_ args: ShimArguments, logger: Logger) throws -> [UInt8] {
        Sandbox.cleanUp(paths: SandboxPaths(sandboxID: sandboxID(args, logger: logger)), logger: logger)
        let socket = ShimSocketAddress.path(
            containerdAddress: args.address, namespace: args.namespace, id: args.id)
        try? FileManager.default.removeItem(atPath: socket)
        var response = Containerd_Task_V2_DeleteResponse()
        response.exitStatus = 128 + 9
        response.exitedAt = Google_Protobuf_Timestamp(date: Date())
        return try response.serializedBytes()
    }

    /// The sandbox this shim served: a pod sandbox container names it in its annotations (it
    /// may differ from the container id); otherwise it is the shim's id. A pod's application
    /// container is not a sandbox: its id names no state directory. The `-id` was checked by
    /// `ShimArguments`; an annotation that breaks the identifier rule is ignored here (Create
    /// refused it, so nothing was made under that name).
    static func sandboxID(_ args: ShimArguments, logger: Logger) -> String {
        guard let bundle = try? args.bundleDirectory(), let spec = try? Spec.load(bundle: bundle) else {
            return args.id
        }
        let pod = PodAnnotations(spec.annotations ?? [:])
        guard !pod.joinsExistingSandbox else { return args.id }
        do {
            return try pod.sandboxID() ?? args.id
        } catch {
            logger.warning("delete: \(error)")
            return args.id
        }
    }
}
