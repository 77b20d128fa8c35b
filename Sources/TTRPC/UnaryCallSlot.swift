import NIOCore
import Synchronization

/// Links a unary call's stream to its caller's cancellation: the cancellation handler may run
/// before, during or after the stream is opened, and must act exactly once either way.
final class UnaryCallSlot: Sendable {
    private enum State {
        case idle
        case cancelledBeforeOpen
        case open(id: UInt32, deadline: Scheduled<Void>?)
    }

    private let state = Mutex(State.idle)

    /// Opens the stream unless the caller was already cancelled.
    func open(_ open: () -> (id: UInt32, deadline: Scheduled<Void>?)?, orFail fail: () -> Void) {
        state.withLock { state in
            guard case .idle = state else {
                fail()
                return
            }
            if let opened = open() { state = .open(id: opened.id, deadline: opened.deadline) }
        }
    }

    /// The caller was cancelled: fails the open stream, or makes a later `open` fail.
    func cancel(_ failStream: (UInt32) -> Void) {
        state.withLock { state in
            switch state {
            case .idle: state = .cancelledBeforeOpen
            case .open(let id, _): failStream(id)
            case .cancelledBeforeOpen: break
            }
        }
    }

    /// The call is over: stops its deadline timer.
    func finish() {
        state.withLock { state in
            if case .open(_, let deadline) = state { deadline?.cancel() }
        }
    }
}
