import KataCore
import Retry
import TTRPC

/// `KataAgent` over ttrpc (`grpc.AgentService`, `grpc.Health`); the calls and their
/// translation are in TTRPCAgent+Translation.swift.
public final class TTRPCAgent: KataAgent {
    let client: TTRPCClient
    /// The deadline of calls that answer promptly. Calls that wait for the container
    /// (WaitProcess, ReadStdout/ReadStderr, GetOOMEvent) have none.
    public let requestTimeout: Duration

    init(client: TTRPCClient, requestTimeout: Duration) {
        self.client = client
        self.requestTimeout = requestTimeout
    }

    /// Connects and waits until the agent answers Health.Check, retrying until `dialTimeout`
    /// (the guest may still be booting: the socket can be missing, refuse, or drop the
    /// handshake). A virtio-serial socket accepts before the guest listens; the first request
    /// then waits in the socket until the agent opens its port, so it is sent once and given
    /// the whole remaining budget.
    public static func connect(
        to address: AgentAddress, dialTimeout: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(60)
    ) async throws -> TTRPCAgent {
        let deadline = ContinuousClock.now + dialTimeout
        let policy = RetryPolicy(
            maxAttempts: .max, backoff: .exponential(initial: .milliseconds(5), cap: .milliseconds(100)),
            deadline: dialTimeout)
        return try await retry("connect to the agent at \(address)", policy: policy) { _ in
            let client = try await openClient(address, timeout: deadline - ContinuousClock.now)
            let agent = TTRPCAgent(client: client, requestTimeout: requestTimeout)
            do {
                let remaining = deadline - ContinuousClock.now
                guard try await agent.check(timeout: max(remaining, .milliseconds(1))) else {
                    throw KataError(.remote, "agent at \(address) answered Health.Check: not serving")
                }
                return agent
            } catch {
                await client.close()
                throw error
            }
        }
    }

    static func openClient(_ address: AgentAddress, timeout: Duration) async throws -> TTRPCClient {
        switch address {
        case .serialSocket(let path):
            return try await TTRPCClient.connect(to: .unixSocket(path: path))
        case .vsock(let cid, let port):
            return try await TTRPCClient.connect(to: .vsock(cid: cid, port: port))
        case .hybridVsock(let path, let port):
            let fd = try HybridVsock.connect(socketPath: path, port: port, timeout: timeout)
            return try await TTRPCClient.adopt(connectedSocket: fd)
        }
    }

    public func close() async { await client.close() }
}
