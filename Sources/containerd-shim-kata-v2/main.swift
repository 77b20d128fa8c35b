import Agent
import Shim
import VirtualMachine

#if canImport(Glibc)
    import Glibc
#endif

// The agent is reached over the channel the launch plan gave the VM.
let status = await ShimMain.run(Array(CommandLine.arguments.dropFirst())) { channel, timeout in
    let address: AgentAddress =
        switch channel {
        case .virtioSerial(let socketPath): .serialSocket(path: socketPath)
        case .vsock(let guestCID, let port): .vsock(cid: guestCID, port: port)
        }
    return try await TTRPCAgent.connect(to: address, dialTimeout: timeout)
}
exit(status)
