import KataCore
import Logging

extension KataLogging {
    /// The names `--log-level` accepts, lowest first.
    public static let levelNames = [
        "trace", "debug", "info", "notice", "warn", "warning", "error", "critical",
    ]

    /// Parses a log level name, case-insensitively ("warn" and "warning" are the same level;
    /// "fatal" and "panic", which upstream Kata accepts, map to critical).
    public static func parseLevel(_ text: String) throws -> Logger.Level {
        switch text.lowercased() {
        case "trace": .trace
        case "debug": .debug
        case "info": .info
        case "notice": .notice
        case "warn", "warning": .warning
        case "error": .error
        case "critical", "fatal", "panic": .critical
        default:
            throw KataError(
                .invalidArgument,
                "log level \"\(text)\" is not one of: \(levelNames.joined(separator: ", "))")
        }
    }

    /// The syslog priority (journal PRIORITY field) for a swift-log level.
    public static func syslogPriority(_ level: Logger.Level) -> Int {
        switch level {
        case .trace, .debug: 7
        case .info: 6
        case .notice: 5
        case .warning: 4
        case .error: 3
        case .critical: 2
        }
    }
}
