import KataCore

/// Per-call settings.
public struct TTRPCCallOptions: Sendable {
    /// Deadline for the whole call. Sent to the server (`timeout_nano`) and enforced locally.
    public var timeout: Duration?
    public var metadata: TTRPCMetadata

    public init(timeout: Duration? = nil, metadata: TTRPCMetadata = TTRPCMetadata()) {
        self.timeout = timeout
        self.metadata = metadata
    }

    var timeoutNanoseconds: Int64 {
        guard let timeout, timeout > .zero else { return 0 }
        return timeout.wholeNanoseconds
    }
}
