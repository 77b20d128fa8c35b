import Synchronization

/// A value set once that any number of tasks can await: a process's exit code, or (as `Latch`)
/// a gate that opens once. Later `set` calls are ignored: the first outcome is the outcome.
public final class OnceValue<Value: Sendable>: Sendable {
    private struct State {
        var value: Value?
        var waiters: [CheckedContinuation<Value, Never>] = []
    }
    private let state = Mutex(State())

    public init() {}

    public func set(_ value: Value) {
        let waiters = state.withLock { state -> [CheckedContinuation<Value, Never>] in
            guard state.value == nil else { return [] }
            state.value = value
            defer { state.waiters = [] }
            return state.waiters
        }
        waiters.forEach { $0.resume(returning: value) }
    }

    /// The value if it is set already.
    public var current: Value? { state.withLock { $0.value } }

    /// Waits until the value is set.
    public func value() async -> Value {
        await withCheckedContinuation { continuation in
            let ready = state.withLock { state -> Value? in
                if let value = state.value { return value }
                state.waiters.append(continuation)
                return nil
            }
            if let ready { continuation.resume(returning: ready) }
        }
    }
}

/// A gate that opens once.
public typealias Latch = OnceValue<Void>

extension OnceValue where Value == Void {
    public func open() { set(()) }
    public func wait() async { await value() }
}
