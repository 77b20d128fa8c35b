import Logging
import NIOCore
import Synchronization

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One server-side connection: checks each request, runs its handler in a task, answers on
/// the same stream id. Per-stream problems are answered with a status on that stream; only
/// framing errors (handled by `FrameChannelHandler`) close the connection.
final class ServerConnection: FrameSink {
    struct ActiveCall {
        var task: Task<Void, Never>?
        var inbound: AsyncThrowingStream<Data, any Error>.Continuation?
        var deadline: Scheduled<Void>?
    }

    struct State {
        var lastStreamID: UInt32 = 0
        var calls: [UInt32: ActiveCall] = [:]
        var closed = false
    }

    let channel: any Channel
    let services: TTRPCServices
    let logger: Logger
    let state = Mutex(State())

    init(channel: any Channel, services: TTRPCServices, logger: Logger) {
        self.channel = channel
        self.services = services
        self.logger = logger
    }

    func received(_ frame: Frame) {
        guard frame.streamID % 2 == 1 else {
            answer(frame.streamID, TTRPCError(.invalidArgument, "stream id \(frame.streamID) is not odd"))
            return
        }
        switch frame.type {
        case .request: start(frame)
        case .data: deliver(frame)
        default:
            logger.debug(
                "ignoring ttrpc frame", metadata: ["type": "\(frame.type)", "stream": "\(frame.streamID)"])
        }
    }

    func connectionClosed(reason: String?) {
        let calls = state.withLock { state in
            state.closed = true
            defer { state.calls = [:] }
            return Array(state.calls.values)
        }
        for call in calls {
            call.task?.cancel()
            call.deadline?.cancel()
            call.inbound?.finish(throwing: TTRPCError(.unavailable, "connection closed"))
        }
    }

    private func start(_ frame: Frame) {
        let id = frame.streamID
        let fresh = state.withLock { state in
            guard id > state.lastStreamID else { return false }
            state.lastStreamID = id
            return true
        }
        guard fresh else {
            answer(id, TTRPCError(.invalidArgument, "stream id \(id) is reused or not increasing"))
            return
        }
        guard let request = try? Ttrpc_Request(serializedBytes: Array(buffer: frame.payload)) else {
            answer(id, TTRPCError(.invalidArgument, "stream \(id): undecodable ttrpc Request"))
            return
        }
        switch services.lookup(service: request.service, method: request.method) {
        case .failure(let status): answer(id, status)
        case .success(let handler): run(handler, request, id: id, flags: frame.flags)
        }
    }

    private func run(
        _ handler: TTRPCServices.Handler, _ request: Ttrpc_Request, id: UInt32, flags: FrameFlags
    ) {
        let timeout = request.timeoutNano > 0 ? Duration.nanoseconds(request.timeoutNano) : nil
        let context = TTRPCCallContext(
            service: request.service, method: request.method, metadata: TTRPCMetadata(wire: request.metadata),
            deadline: timeout.map { ContinuousClock.now + $0 })
        var call = ActiveCall()
        let body: @Sendable () async throws -> Data?
        var serverStreaming = false
        switch handler {
        case .unary(let run):
            body = { try await run(request.payload, context) }
        case .stream(let clientStreaming, let streamsOut, let run):
            serverStreaming = streamsOut
            let (inbound, continuation) = AsyncThrowingStream<Data, any Error>.makeStream()
            if !request.payload.isEmpty || !clientStreaming { continuation.yield(request.payload) }
            if flags.contains(.remoteOpen) { call.inbound = continuation } else { continuation.finish() }
            let io = ServerStreamIO(inbound: inbound) { [self] payload in try await sendData(id, payload) }
            body = { try await run(io, context) }
        }
        let accepted = state.withLock { state in
            guard !state.closed else { return false }
            state.calls[id] = call
            return true
        }
        guard accepted else { return }
        let streaming = serverStreaming
        let task = Task { [self] in
            let result: Result<Data?, any Error>
            do { result = .success(try await body()) } catch { result = .failure(error) }
            finish(id, result, serverStreaming: streaming)
        }
        let deadline = timeout.map { timeout in
            channel.eventLoop.scheduleTask(in: .nanoseconds(request.timeoutNano)) { [self] in
                finish(
                    id, .failure(TTRPCError(.deadlineExceeded, "deadline of \(timeout) exceeded")),
                    serverStreaming: false)
            }
        }
        let stillRunning = state.withLock { state in
            guard state.calls[id] != nil else { return false }
            state.calls[id]?.task = task
            state.calls[id]?.deadline = deadline
            return true
        }
        if !stillRunning { deadline?.cancel() }
    }

    private func deliver(_ frame: Frame) {
        let id = frame.streamID
        let closing = frame.flags.contains(.remoteClosed)
        let known = state.withLock { state -> (Bool, AsyncThrowingStream<Data, any Error>.Continuation?) in
            guard let call = state.calls[id] else { return (false, nil) }
            if closing { state.calls[id]?.inbound = nil }
            return (true, call.inbound)
        }
        guard known.0 else {
            answer(id, TTRPCError(.invalidArgument, "stream \(id) is not active"))
            return
        }
        guard let inbound = known.1 else { return }  // the client already closed its side
        if !frame.flags.contains(.noData) { inbound.yield(Data(frame.payload.readableBytesView)) }
        if closing { inbound.finish() }
    }

    /// Ends a call once: by its handler, or earlier by its deadline.
    private func finish(_ id: UInt32, _ result: Result<Data?, any Error>, serverStreaming: Bool) {
        guard let call = state.withLock({ $0.calls.removeValue(forKey: id) }) else { return }
        call.deadline?.cancel()
        call.inbound?.finish()
        switch result {
        case .success(let payload) where serverStreaming:
            var flags: FrameFlags = [.remoteClosed]
            if payload == nil { flags.insert(.noData) }
            let body = payload.map { channel.allocator.buffer(bytes: $0) } ?? ByteBuffer()
            write(Frame(streamID: id, type: .data, flags: flags, payload: body))
        case .success(let payload):
            answer(id, status: Google_Rpc_Status(), payload: payload ?? Data())
        case .failure(let error):
            call.task?.cancel()
            answer(id, TTRPCError(answering: error))
        }
    }

    private func sendData(_ id: UInt32, _ payload: Data) async throws {
        guard payload.count <= Frame.maxPayloadLength else {
            throw TTRPCError(.resourceExhausted, "message of \(payload.count) bytes exceeds the frame limit")
        }
        try await channel.writeFrame(
            Frame(streamID: id, type: .data, payload: channel.allocator.buffer(bytes: payload))
        ).get()
    }

    private func answer(_ id: UInt32, _ error: TTRPCError) {
        var status = Google_Rpc_Status()
        status.code = error.code.rawValue
        status.message = error.message
        answer(id, status: status, payload: Data())
    }

    private func answer(_ id: UInt32, status: Google_Rpc_Status, payload: Data) {
        var response = Ttrpc_Response()
        response.status = status
        response.payload = payload
        guard let bytes: [UInt8] = try? response.serializedBytes(), bytes.count <= Frame.maxPayloadLength
        else {
            answer(
                id,
                TTRPCError(
                    .resourceExhausted, "response exceeds the \(Frame.maxPayloadLength) byte frame limit"))
            return
        }
        write(Frame(streamID: id, type: .response, payload: channel.allocator.buffer(bytes: bytes)))
    }

    private func write(_ frame: Frame) {
        channel.writeFrame(frame).whenFailure { [logger] error in
            logger.debug(
                "ttrpc: cannot answer", metadata: ["stream": "\(frame.streamID)", "error": "\(error)"])
        }
    }
}
