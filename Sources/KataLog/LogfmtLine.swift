import Logging

#if canImport(Glibc)
    import Glibc
#endif

/// Formats one log entry as a logfmt-like line:
/// `2025-01-31T12:00:00.123Z info starting VM sandbox=abc path="/a b"`.
public enum LogfmtLine {
    public static func format(
        time: Timestamp, level: Logger.Level, message: String, metadata: Logger.Metadata
    ) -> String {
        var line = "\(time.iso8601) \(level.rawValue) \(escapeMessage(message))"
        for key in metadata.keys.sorted() {
            line += " \(quoteIfNeeded(key))=\(quoteIfNeeded("\(metadata[key]!)"))"
        }
        return line
    }

    /// Keeps one entry on one line: backslashes and line breaks are escaped.
    static func escapeMessage(_ message: String) -> String {
        escape(message, quotes: false)
    }

    /// Quotes a key or value that is empty or contains a space, `=`, `"` or a control
    /// character, escaping `"`, `\` and control characters inside.
    static func quoteIfNeeded(_ text: String) -> String {
        let needsQuotes =
            text.isEmpty
            || text.unicodeScalars.contains { $0 == " " || $0 == "=" || $0 == "\"" || $0.value < 0x20 }
        return needsQuotes ? "\"\(escape(text, quotes: true))\"" : text
    }

    private static func escape(_ text: String, quotes: Bool) -> String {
        var output = ""
        output.reserveCapacity(text.utf8.count)
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t" where quotes: output += "\\t"
            case "\"" where quotes: output += "\\\""
            default: output.unicodeScalars.append(scalar)
            }
        }
        return output
    }

    /// A wall-clock time with millisecond precision, in UTC.
    public struct Timestamp: Sendable, Equatable {
        public var secondsSinceEpoch: Int
        public var milliseconds: Int

        public init(secondsSinceEpoch: Int, milliseconds: Int) {
            self.secondsSinceEpoch = secondsSinceEpoch
            self.milliseconds = milliseconds
        }

        public static func now() -> Timestamp {
            var spec = timespec()
            clock_gettime(CLOCK_REALTIME, &spec)
            return Timestamp(secondsSinceEpoch: spec.tv_sec, milliseconds: spec.tv_nsec / 1_000_000)
        }

        /// `YYYY-MM-DDTHH:MM:SS.mmmZ`
        public var iso8601: String {
            var seconds = time_t(secondsSinceEpoch)
            var parts = tm()
            gmtime_r(&seconds, &parts)
            func pad(_ value: Int32, _ width: Int) -> String {
                let digits = String(value)
                return String(repeating: "0", count: max(0, width - digits.count)) + digits
            }
            return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
                + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))"
                + ".\(pad(Int32(milliseconds), 3))Z"
        }
    }
}
