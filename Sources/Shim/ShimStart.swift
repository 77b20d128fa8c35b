import CKataSys
import Foundation
import KataCore
import OCI
import TTRPC

#if canImport(Glibc)
    import Glibc
#endif

/// `containerd-shim-kata-v2 ... start`: starts the serving shim (this binary again, without an
/// action, in its own session) and prints the address containerd should connect to. A container
/// of an existing pod gets the pod shim's address instead: one VM per pod.
enum ShimStart {
    static func run(_ args: ShimArguments) async throws -> String {
        let bundle = try args.bundleDirectory()
        let spec = try Spec.load(bundle: bundle)
        let pod = PodAnnotations(spec.annotations ?? [:])
        if pod.joinsExistingSandbox, let sandboxID = try pod.sandboxID(), sandboxID != args.id {
            let path = ShimSocketAddress.path(
                containerdAddress: args.address, namespace: args.namespace, id: sandboxID)
            guard await isServing(path) else {
                throw KataError(.notFound, "pod sandbox \(sandboxID) has no running shim at \(path)")
            }
            return try publish(ShimSocketAddress.url(forPath: path), pid: nil, bundle: bundle)
        }
        let path = ShimSocketAddress.path(
            containerdAddress: args.address, namespace: args.namespace, id: args.id)
        if await isServing(path) {
            return try publish(ShimSocketAddress.url(forPath: path), pid: nil, bundle: bundle)
        }

        let pid = try spawnServer(args, bundle: bundle)
        let deadline = ContinuousClock.now + .seconds(10)
        while !(await isServing(path)) {
            var status: Int32 = 0
            if waitpid(pid, &status, WNOHANG) == pid {
                throw KataError(
                    .remote, "the serving shim exited during start-up (status \(status)); see the shim log")
            }
            guard ContinuousClock.now < deadline else {
                kill(pid, SIGKILL)
                throw KataError(.timeout, "the serving shim did not listen on \(path) within 10 s")
            }
            try await Task.sleep(for: .milliseconds(10))
        }
        return try publish(ShimSocketAddress.url(forPath: path), pid: pid, bundle: bundle)
    }

    /// Writes `address` (and `shim.pid` for a new shim) into the bundle, as containerd expects.
    static func publish(_ url: String, pid: Int32?, bundle: String) throws -> String {
        try url.write(toFile: "\(bundle)/address", atomically: true, encoding: .utf8)
        if let pid { try String(pid).write(toFile: "\(bundle)/shim.pid", atomically: true, encoding: .utf8) }
        return url
    }

    static func isServing(_ path: String) async -> Bool {
        guard FileManager.default.fileExists(atPath: path),
            let client = try? await TTRPCClient.connect(to: .unixSocket(path: path))
        else { return false }
        await client.close()
        return true
    }

    /// The same binary with the same flags and no action, detached into its own session so it
    /// outlives this `start` process; its stdio is /dev/null (it logs to the bundle's log FIFO).
    static func spawnServer(_ args: ShimArguments, bundle: String) throws -> Int32 {
        var argv = [
            executablePath(), "-namespace", args.namespace, "-address", args.address, "-publish-binary",
            args.publishBinary, "-id", args.id, "-bundle", bundle,
        ]
        if args.debug { argv.append("-debug") }
        var pid: Int32 = 0
        let cArgs = argv.map { strdup($0) } + [nil]
        defer { cArgs.forEach { free($0) } }
        let rc = ckata_spawn_detached(argv[0], cArgs, environ, bundle, &pid)
        guard rc == 0 else { throw KataError.system("spawn \(argv[0])", errno: -rc) }
        return pid
    }

    static func executablePath() -> String {
        (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe"))
            ?? CommandLine.arguments[0]
    }
}
