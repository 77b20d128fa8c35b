import CSystemd
import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// A swift-log handler that writes each entry to the systemd journal with `sd_journal_sendv`
/// (the variadic `sd_journal_send` cannot be called from Swift). When the journal refuses an
/// entry, the entry goes to `fallback` instead, so nothing is lost silently.
public struct JournalLogHandler: LogHandler {
    /// Sends one entry's `NAME=value` fields; returns 0 or a negative errno.
    public typealias Sender = @Sendable ([String]) -> Int32

    public var logLevel: Logger.Level
    public var metadata: Logger.Metadata = [:]
    public var metadataProvider: Logger.MetadataProvider?
    public let label: String
    public let identifier: String
    private let send: Sender
    private var fallback: StderrLogHandler

    public init(
        label: String, identifier: String = "kata", level: Logger.Level = .info,
        send: @escaping Sender = JournalLogHandler.sendToJournal,
        fallback: StderrLogHandler? = nil
    ) {
        self.label = label
        self.identifier = identifier
        self.logLevel = level
        self.send = send
        self.fallback = fallback ?? StderrLogHandler(label: label, level: level)
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
        let fields = JournalFields.entry(
            identifier: identifier, label: label, level: event.level, message: "\(event.message)",
            metadata: merged, source: event.source, file: event.file, function: event.function,
            line: event.line)
        if send(fields) < 0 {
            var fallback = self.fallback
            fallback.logLevel = .trace  // this handler already filtered by level
            fallback.log(
                event: LogEvent(
                    level: event.level, message: event.message, metadata: merged, source: event.source,
                    file: event.file, function: event.function, line: event.line))
        }
    }

    /// Sends fields through `sd_journal_sendv`. All fields share one buffer so each iovec
    /// points into memory that stays valid for the whole call.
    @Sendable public static func sendToJournal(_ fields: [String]) -> Int32 {
        var buffer: [UInt8] = []
        var ranges: [Range<Int>] = []
        for field in fields {
            let start = buffer.count
            buffer.append(contentsOf: field.utf8)
            ranges.append(start..<buffer.count)
        }
        return buffer.withUnsafeMutableBytes { raw -> Int32 in
            var vectors = ranges.map { range in
                iovec(iov_base: raw.baseAddress.map { $0 + range.lowerBound }, iov_len: range.count)
            }
            return sd_journal_sendv(&vectors, Int32(vectors.count))
        }
    }
}
