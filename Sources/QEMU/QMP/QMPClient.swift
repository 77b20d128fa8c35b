import KataCore
import NIOCore
import NIOPosix

/// An asynchronous QMP client over QEMU's unix control socket. Nothing blocks a thread: the
/// protocol runs on a NIO event loop and callers await replies, events and deadlines.
public final class QMPClient: Sendable {
    public let greeting: QMPGreeting
    private let channel: Channel
    private let handler: NIOLoopBound<QMPChannelHandler>

    private init(greeting: QMPGreeting, channel: Channel, handler: NIOLoopBound<QMPChannelHandler>) {
        self.greeting = greeting
        self.channel = channel
        self.handler = handler
    }

    /// Connects, reads the greeting and negotiates capabilities, all within `timeout`.
    public static func connect(
        socketPath: String, timeout: Duration = .seconds(5),
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton
    ) async throws -> QMPClient {
        let channel: Channel
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .connectTimeout(TimeAmount(timeout))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(
                            QMPChannelHandler(eventLoop: channel.eventLoop))
                    }
                }
                .connect(unixDomainSocketPath: socketPath).get()
        } catch let error as IOError {
            throw KataError.system("QMP connect \(socketPath)", errno: error.errnoCode)
        } catch {
            throw KataError(.system, "QMP connect \(socketPath): \(error)")
        }
        let eventLoop = channel.eventLoop
        let (handler, ready) = try await eventLoop.submit {
            let handler = try channel.pipeline.syncOperations.handler(type: QMPChannelHandler.self)
            let deadline = eventLoop.scheduleTask(in: TimeAmount(timeout)) {
                handler.close(
                    KataError(.timeout, "QMP \(socketPath): no greeting and capabilities within \(timeout)"))
            }
            handler.ready.futureResult.whenComplete { _ in deadline.cancel() }
            return (NIOLoopBound(handler, eventLoop: eventLoop), handler.ready.futureResult)
        }.get()
        do {
            return QMPClient(greeting: try await ready.get(), channel: channel, handler: handler)
        } catch {
            try? await channel.close()
            throw error
        }
    }

    /// Runs one command; its reply (the `return` value) or a `.remote` error, `.timeout` after
    /// `timeout`, or `.failedPrecondition` when the connection closes first.
    @discardableResult
    public func execute(_ command: String, arguments: JSONObject? = nil, timeout: Duration = .seconds(30))
        async throws -> JSONValue
    {
        let promise = channel.eventLoop.makePromise(of: JSONValue.self)
        let handler = self.handler
        channel.eventLoop.execute {
            handler.value.execute(
                command, arguments: arguments, timeout: TimeAmount(timeout), promise: promise)
        }
        return try await promise.futureResult.get()
    }

    /// Events from now on, until the connection closes (the stream then finishes).
    public func events() -> AsyncStream<QMPEvent> {
        let (stream, continuation) = AsyncStream.makeStream(
            of: QMPEvent.self, bufferingPolicy: .bufferingNewest(1024))
        let handler = self.handler
        let eventLoop = channel.eventLoop
        eventLoop.execute {
            guard let token = handler.value.subscribe(continuation) else { return }
            continuation.onTermination = { _ in eventLoop.execute { handler.value.unsubscribe(token) } }
        }
        return stream
    }

    /// Runs `command` and then waits for the first event that `matches` (registered before the
    /// command is sent, so a fast event is not missed); both within `timeout`.
    public func execute(
        _ command: String, arguments: JSONObject? = nil, timeout: Duration = .seconds(30),
        awaiting matches: @escaping @Sendable (QMPEvent) -> Bool
    ) async throws -> QMPEvent {
        let eventPromise = channel.eventLoop.makePromise(of: QMPEvent.self)
        let handler = self.handler
        let token = try await channel.eventLoop.submit {
            handler.value.waitForEvent(timeout: TimeAmount(timeout), promise: eventPromise, matching: matches)
        }.get()
        do {
            try await execute(command, arguments: arguments, timeout: timeout)
        } catch {
            channel.eventLoop.execute {
                handler.value.cancelWaiter(token, error: KataError(.cancelled, "QMP \(command) failed"))
            }
            throw error
        }
        return try await eventPromise.futureResult.get()
    }

    /// Closes the socket; pending commands fail with `.failedPrecondition`.
    public func close() async {
        let handler = self.handler
        channel.eventLoop.execute { handler.value.close(.qmpClosed("closed by the client")) }
        try? await channel.closeFuture.get()
    }

    /// Completes when QEMU (or the client) closes the connection.
    public func waitUntilClosed() async {
        try? await channel.closeFuture.get()
    }
}
