import Foundation
import Logging
import Protocols
import SwiftProtobuf
import TTRPC

/// Publishes task events to containerd (`Events/Forward` on its ttrpc socket, TTRPC_ADDRESS),
/// in order, from one queue. A failed send is retried with a fresh connection; an event that
/// still cannot be delivered is logged, never allowed to block the task API.
public final class EventPublisher: Sendable {
    private let queue: AsyncStream<Containerd_Types_Envelope>.Continuation
    private let drained: Task<Void, Never>

    public init(address: String, namespace: String, logger: Logger) {
        let (stream, continuation) = AsyncStream<Containerd_Types_Envelope>.makeStream()
        self.queue = continuation
        self.drained = Task {
            var client: TTRPCClient?
            for await envelope in stream {
                if Task.isCancelled {
                    logger.error("dropped event \(envelope.topic): the shim is exiting")
                    continue
                }
                var request = Containerd_Services_Events_Ttrpc_V1_ForwardRequest()
                request.envelope = envelope
                var delivered = false
                for attempt in 1...5 where !address.isEmpty && !Task.isCancelled {
                    do {
                        if client == nil {
                            client = try await TTRPCClient.connect(to: .unixSocket(path: address))
                        }
                        _ = try await client!.call(
                            Containerd_Services_Events_Ttrpc_V1_EventsMethods.forward, request,
                            options: TTRPCCallOptions(timeout: .seconds(5)))
                        delivered = true
                        break
                    } catch {
                        logger.warning("publishing \(envelope.topic) failed (attempt \(attempt)): \(error)")
                        await client?.close()
                        client = nil
                        try? await Task.sleep(for: .milliseconds(100 * attempt))
                    }
                }
                if !delivered { logger.error("dropped event \(envelope.topic)") }
            }
            await client?.close()
        }
        self.namespace = namespace
        self.logger = logger
    }

    let namespace: String
    let logger: Logger

    public func publish(_ event: some ContainerdEvent) {
        do {
            queue.yield(try Containerd_Types_Envelope(event: event, namespace: namespace))
        } catch {
            logger.error("cannot encode event \(type(of: event).topic): \(error)")
        }
    }

    /// Delivers what is queued, then stops; gives up on what is still undelivered after
    /// `limit` (a shim that is told to exit must not linger retrying a containerd that is gone).
    public func finish(within limit: Duration) async {
        queue.finish()
        let drained = drained
        let expiry = Task {
            try? await Task.sleep(for: limit)
            if !Task.isCancelled { drained.cancel() }
        }
        await drained.value
        expiry.cancel()
    }
}
