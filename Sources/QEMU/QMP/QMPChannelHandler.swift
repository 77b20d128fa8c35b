import KataCore
import NIOCore

/// Runs the QMP state machine on the channel's event loop and completes the promises and
/// streams of the commands and event subscribers waiting on it. Only touched on that loop.
final class QMPChannelHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private struct EventWaiter {
        let matches: @Sendable (QMPEvent) -> Bool
        let promise: EventLoopPromise<QMPEvent>
        let deadline: Scheduled<Void>?
    }

    private var machine = QMPStateMachine()
    private var context: ChannelHandlerContext?
    let ready: EventLoopPromise<QMPGreeting>
    private var commands: [String: (promise: EventLoopPromise<JSONValue>, deadline: Scheduled<Void>?)] = [:]
    private var subscribers: [Int: AsyncStream<QMPEvent>.Continuation] = [:]
    private var waiters: [Int: EventWaiter] = [:]
    private var nextToken = 0
    private var isReady = false
    private(set) var closedError: KataError?

    init(eventLoop: EventLoop) {
        ready = eventLoop.makePromise()
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        perform(machine.receive(buffer.readableBytesView))
    }

    func channelInactive(context: ChannelHandlerContext) {
        perform(machine.connectionClosed(.qmpClosed("QEMU closed the socket")))
        finish(closedError ?? .qmpClosed("QEMU closed the socket"))
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        perform(machine.connectionClosed(.qmpClosed("socket error: \(error)")))
    }

    // MARK: Called by QMPClient on the event loop.

    func execute(
        _ command: String, arguments: JSONObject?, timeout: TimeAmount, promise: EventLoopPromise<JSONValue>
    ) {
        guard let context else { return promise.fail(KataError.qmpClosed("handler removed")) }
        let id: String
        let bytes: [UInt8]
        do {
            (id, bytes) = try machine.execute(command, arguments: arguments)
        } catch {
            return promise.fail(error)
        }
        let deadline = context.eventLoop.scheduleTask(in: timeout) { [weak self] in
            guard let self else { return }
            self.perform(self.machine.timedOut(id: id, after: "\(timeout.nanoseconds / 1_000_000) ms"))
        }
        commands[id] = (promise, deadline)
        context.writeAndFlush(wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
    }

    func subscribe(_ continuation: AsyncStream<QMPEvent>.Continuation) -> Int? {
        guard closedError == nil else {
            continuation.finish()
            return nil
        }
        nextToken += 1
        subscribers[nextToken] = continuation
        return nextToken
    }

    func unsubscribe(_ token: Int) {
        subscribers[token] = nil
    }

    func waitForEvent(
        timeout: TimeAmount, promise: EventLoopPromise<QMPEvent>,
        matching: @escaping @Sendable (QMPEvent) -> Bool
    ) -> Int {
        nextToken += 1
        let token = nextToken
        if let closedError {
            promise.fail(closedError)
            return token
        }
        let deadline = context?.eventLoop.scheduleTask(in: timeout) { [weak self] in
            guard let waiter = self?.waiters.removeValue(forKey: token) else { return }
            waiter.promise.fail(
                KataError(
                    .timeout,
                    "QMP: expected event did not arrive within \(timeout.nanoseconds / 1_000_000) ms"))
        }
        waiters[token] = EventWaiter(matches: matching, promise: promise, deadline: deadline)
        return token
    }

    func cancelWaiter(_ token: Int, error: KataError) {
        guard let waiter = waiters.removeValue(forKey: token) else { return }
        waiter.deadline?.cancel()
        waiter.promise.fail(error)
    }

    func close(_ error: KataError) {
        perform(machine.connectionClosed(error))
    }

    // MARK: Actions

    private func perform(_ actions: [QMPStateMachine.Action]) {
        for action in actions {
            switch action {
            case .send(let bytes):
                guard let context else { continue }
                context.writeAndFlush(
                    wrapOutboundOut(context.channel.allocator.buffer(bytes: bytes)), promise: nil)
            case .ready(let greeting):
                isReady = true
                ready.succeed(greeting)
            case .complete(let id, let result):
                guard let command = commands.removeValue(forKey: id) else { continue }
                command.deadline?.cancel()
                command.promise.completeWith(result.mapError { $0 as Error })
            case .event(let event):
                for continuation in subscribers.values { continuation.yield(event) }
                for (token, waiter) in waiters where waiter.matches(event) {
                    waiters[token] = nil
                    waiter.deadline?.cancel()
                    waiter.promise.succeed(event)
                }
            case .discarded:
                continue
            case .close(let error):
                finish(error)
                context?.close(promise: nil)
            }
        }
    }

    /// Fails everything still waiting; idempotent.
    private func finish(_ error: KataError) {
        guard closedError == nil else { return }
        closedError = error
        if !isReady { ready.fail(error) }
        for command in commands.values {
            command.deadline?.cancel()
            command.promise.fail(error)
        }
        commands.removeAll()
        for waiter in waiters.values {
            waiter.deadline?.cancel()
            waiter.promise.fail(error)
        }
        waiters.removeAll()
        for continuation in subscribers.values { continuation.finish() }
        subscribers.removeAll()
    }
}
