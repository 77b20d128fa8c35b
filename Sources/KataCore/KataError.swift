/// The one error type of the runtime: a code that callers switch on, and a message that says
/// what went wrong and, where possible, what to do. Callers never match on message text.
public struct KataError: Error, Sendable, Equatable, CustomStringConvertible {
    public enum Code: String, Sendable, Equatable, CaseIterable {
        /// Configuration file, drop-in, option or annotation is wrong.
        case invalidConfig
        /// A caller passed an argument that cannot be used.
        case invalidArgument
        /// Bytes on disk or on the wire do not have the expected format.
        case malformedInput
        /// A file, device or object does not exist.
        case notFound
        /// The host lacks a capability (KVM, SEV, TDX, vsock, ...).
        case unsupported
        /// The operation is known but not implemented by this runtime.
        case notImplemented
        /// A wait ran past its deadline.
        case timeout
        /// The operation was cancelled.
        case cancelled
        /// A peer (QEMU, the agent, containerd) answered with an error.
        case remote
        /// The operation is not valid in the current state.
        case failedPrecondition
        /// A system call failed.
        case system
        /// An internal invariant did not hold.
        case `internal`
    }

    public let code: Code
    public let message: String

    public init(_ code: Code, _ message: String) {
        self.code = code
        self.message = message
    }

    public var description: String { message }
}

extension KataError {
    /// A system call failure, with the errno rendered as text.
    public static func system(_ what: String, errno code: Int32) -> KataError {
        KataError(.system, "\(what): \(errnoDescription(code))")
    }
}
