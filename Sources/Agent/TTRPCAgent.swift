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
    /// handshake). A virtio-serial socket accepts before the guest listens; requests then wait
    /// in the socket until the agent opens its port. Health.Check is repeated on the same
    /// connection every `checkInterval`: a request sent just as a previous host connection
    /// ended can be lost in the guest, and a late answer to an abandoned check is ignored.
    public static func connect(
        to address: AgentAddress, dialTimeout: Duration = .seconds(30),
        requestTimeout: Duration = .seconds(60),
        checkInterval: Duration = .seconds(1)
    ) async throws -> TTRPCAgent {
        let deadline = ContinuousClock.now + dialTimeout
        let policy = RetryPolicy(
            maxAttempts: .max, backoff: .exponential(initial: .milliseconds(5), cap: .milliseconds(100)),
            deadline: dialTimeout)
        return try await retry("connect to the agent at \(address)", policy: policy) { _ in
            let client = try await openClient(address, timeout: deadline - ContinuousClock.now)
            let agent = TTRPCAgent(client: client, requestTimeout: requestTimeout)
            do {
                try await agent.waitUntilServing(deadline: deadline, interval: checkInterval)
                return agent
            } catch {
                await client.close()
                throw error
            }
        }
    }

    private func waitUntilServing(deadline: ContinuousClock.Instant, interval: Duration) async throws {
        while true {
            let remaining = deadline - ContinuousClock.now
            do {
                guard try await check(timeout: max(min(remaining, interval), .milliseconds(1))) else {
                    throw KataError(.remote, "the agent answered Health.Check: not serving")
                }
                return
            } catch let error as KataError where error.code == .timeout && remaining > interval {
                continue  // unanswered within the interval: ask again on this connection
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
