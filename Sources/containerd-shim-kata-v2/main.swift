import Agent
import Shim

#if canImport(Glibc)
    import Glibc
#endif

// The agent is reached through the VM's virtio-serial chardev socket.
let status = await ShimMain.run(Array(CommandLine.arguments.dropFirst())) { socketPath, timeout in
    try await TTRPCAgent.connect(to: .serialSocket(path: socketPath), dialTimeout: timeout)
}
exit(status)
