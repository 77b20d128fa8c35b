import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler writing one logfmt-like line per entry (see `LogfmtLine`) to stderr,
/// or to any `Writer` (tests collect the lines).
public struct StderrLogHandler: LogHandler {
    /// Receives each complete line, without the trailing newline.
    public typealias Writer = @Sendable (String) -> Void

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    private let write: Writer
    private let now: @Sendable () -> LogfmtLine.Timestamp

    public init(
        label: String, level: Logger.Level = .info, write: @escaping Writer = StderrLogHandler.writeToStderr,
        now: @escaping @Sendable () -> LogfmtLine.Timestamp = LogfmtLine.Timestamp.now
    ) {
        self.label = label
        self.logLevel = level
        self.write = write
        self.now = now
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var merged = metadata
        if let provided = metadataProvider?.get() { merged.merge(provided) { _, new in new } }
        if let extra = event.metadata { merged.merge(extra) { _, new in new } }
        if let error = event.error { merged["error"] = "\(error)" }
        write(
            LogfmtLine.format(time: now(), level: event.level, message: "\(event.message)", metadata: merged))
    }

    /// Writes the line and its newline with one `write(2)`, so lines from concurrent loggers
    /// do not interleave.
    @Sendable public static func writeToStderr(_ line: String) {
        var bytes = Array(line.utf8)
        bytes.append(UInt8(ascii: "\n"))
        bytes.withUnsafeBytes { raw in
            var offset = 0
            while offset < raw.count {
                let written = Glibc.write(STDERR_FILENO, raw.baseAddress! + offset, raw.count - offset)
                if written < 0 && errno == EINTR { continue }
                guard written > 0 else { return }
                offset += written
            }
        }
    }
}
