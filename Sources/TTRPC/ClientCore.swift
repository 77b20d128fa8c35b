import Logging
import NIOCore
import Synchronization

/// What arrives on a client stream, in order.
enum ClientStreamEvent: Sendable {
    case data(ByteBuffer)
    case response(Ttrpc_Response)
}

/// Who waits on a stream id.
enum ClientWaiter: Sendable {
    case unary(CheckedContinuation<Ttrpc_Response, any Error>)
    case stream(AsyncThrowingStream<ClientStreamEvent, any Error>.Continuation)

    func fail(_ error: TTRPCError) {
        switch self {
        case .unary(let continuation): continuation.resume(throwing: error)
        case .stream(let continuation): continuation.finish(throwing: error)
        }
    }
}

/// The receiving half of a client connection: routes frames to the waiting callers.
final class ClientCore: FrameSink {
    let table = Mutex(ClientStreamTable<ClientWaiter>())
    let logger: Logger

    init(logger: Logger) {
        self.logger = logger
    }

    /// Takes the next stream id for `waiter` and queues `request` on it. Both happen under the
    /// table lock so requests reach the wire in stream id order, which servers enforce.
    /// Returns nil when the connection is gone (the waiter has been failed).
    func open(_ waiter: ClientWaiter, request: Frame, on channel: any Channel) -> UInt32? {
        let opened = table.withLock { table -> Result<UInt32, TTRPCError> in
            let id: UInt32
            do throws(TTRPCError) { id = try table.open(waiter) } catch { return .failure(error) }
            var frame = request
            frame.streamID = id
            // Always through the event loop's queue: never written inline under this lock.
            channel.eventLoop.execute { [self, frame] in
                channel.writeFrame(frame).whenFailure { [self] error in
                    fail(id, TTRPCError(.unavailable, "cannot send request: \(error)"))
                }
            }
            return .success(id)
        }
        switch opened {
        case .success(let id): return id
        case .failure(let error):
            waiter.fail(error)
            return nil
        }
    }

    func fail(_ id: UInt32, _ error: TTRPCError) {
        table.withLock { $0.remove(id) }?.fail(error)
    }

    /// Drops a stream whose consumer went away; late frames for it are ignored.
    func forget(_ id: UInt32) {
        _ = table.withLock { $0.remove(id) }
    }

    func received(_ frame: Frame) {
        switch frame.type {
        case .response:
            let waiter = table.withLock { $0.remove(frame.streamID) }
            guard let waiter else { return }  // cancelled or timed out earlier
            guard let response = try? Ttrpc_Response(serializedBytes: Array(buffer: frame.payload)) else {
                waiter.fail(TTRPCError(.internal, "stream \(frame.streamID): undecodable ttrpc Response"))
                return
            }
            switch waiter {
            case .unary(let continuation): continuation.resume(returning: response)
            case .stream(let continuation):
                continuation.yield(.response(response))
                continuation.finish()
            }
        case .data:
            receivedData(frame)
        default:
            logger.debug(
                "ignoring ttrpc frame", metadata: ["type": "\(frame.type)", "stream": "\(frame.streamID)"])
        }
    }

    private func receivedData(_ frame: Frame) {
        let closing = frame.flags.contains(.remoteClosed)
        let waiter = table.withLock { closing ? $0.remove(frame.streamID) : $0.waiter(frame.streamID) }
        switch waiter {
        case nil: return
        case .unary:
            fail(
                frame.streamID, TTRPCError(.internal, "stream \(frame.streamID): data frame on a unary call"))
        case .stream(let continuation):
            if !frame.flags.contains(.noData) {
                continuation.yield(.data(frame.payload))
            }
            if closing { continuation.finish() }
        }
    }

    func connectionClosed(reason: String?) {
        let error = TTRPCError(.unavailable, "ttrpc connection closed" + (reason.map { ": \($0)" } ?? ""))
        for waiter in table.withLock({ $0.close(error) }) {
            waiter.fail(error)
        }
    }
}
