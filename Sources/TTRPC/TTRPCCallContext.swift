/// What a server handler knows about the call it serves.
public struct TTRPCCallContext: Sendable {
    public let service: String
    public let method: String
    public let metadata: TTRPCMetadata
    /// When the caller stops waiting, if it set a timeout. The handler's task is cancelled then.
    public let deadline: ContinuousClock.Instant?
}
