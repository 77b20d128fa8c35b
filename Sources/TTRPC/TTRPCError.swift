import KataCore

/// A call that did not succeed: the status the server answered, or the local reason
/// (deadline, cancellation, lost connection) expressed with the same gRPC code.
public struct TTRPCError: Error, Sendable, Equatable, CustomStringConvertible {
    public let code: TTRPCStatusCode
    public let message: String

    public init(_ code: TTRPCStatusCode, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { "\(code): \(message)" }

    /// The same failure as the runtime's error type, for layers that only speak `KataError`.
    public var kataError: KataError {
        KataError(TTRPCError.kataCode(for: code), "ttrpc \(code): \(message)")
    }

    static func kataCode(for code: TTRPCStatusCode) -> KataError.Code {
        switch code {
        case .invalidArgument, .outOfRange: .invalidArgument
        case .deadlineExceeded: .timeout
        case .cancelled: .cancelled
        case .notFound: .notFound
        case .unimplemented: .notImplemented
        case .failedPrecondition, .alreadyExists, .aborted: .failedPrecondition
        case .internal, .dataLoss: .internal
        case .ok, .unknown, .permissionDenied, .resourceExhausted, .unavailable, .unauthenticated: .remote
        }
    }

    /// The status a server answers for an error its handler threw: one mapping for the
    /// whole runtime, so a `KataError` keeps its meaning on the wire.
    public init(answering error: any Error) {
        switch error {
        case let error as TTRPCError:
            self = error
        case let error as KataError:
            self.init(TTRPCError.statusCode(for: error.code), error.message)
        case is CancellationError:
            self.init(.cancelled, "the call was cancelled")
        default:
            self.init(.unknown, String(describing: error))
        }
    }

    static func statusCode(for code: KataError.Code) -> TTRPCStatusCode {
        switch code {
        case .invalidConfig, .invalidArgument, .malformedInput: .invalidArgument
        case .notFound: .notFound
        case .unsupported, .failedPrecondition: .failedPrecondition
        case .notImplemented: .unimplemented
        case .timeout: .deadlineExceeded
        case .cancelled: .cancelled
        case .remote: .unavailable
        case .system, .internal: .internal
        }
    }
}
