import Logging

/// Builds the `NAME=value` fields of one journal entry. Pure, so it is tested directly.
public enum JournalFields {
    /// Fields this handler sets itself; metadata keys that sanitise to one of these get a
    /// `META_` prefix so they cannot overwrite them.
    static let reserved: Set<String> = [
        "MESSAGE", "PRIORITY", "SYSLOG_IDENTIFIER", "CODE_FILE", "CODE_LINE", "CODE_FUNC", "LOGGER",
        "SOURCE",
    ]

    /// The journal field name for a metadata key: upper-cased, every character outside A-Z, 0-9
    /// and `_` replaced by `_`, leading underscores and digits dropped (journald reserves names
    /// starting with `_` for trusted fields and rejects a leading digit), at most 64 characters.
    /// Returns nil when nothing usable is left.
    public static func fieldName(for key: String) -> String? {
        var name = ""
        for scalar in key.unicodeScalars {
            switch scalar {
            case "A"..."Z", "0"..."9", "_": name.unicodeScalars.append(scalar)
            case "a"..."z": name.unicodeScalars.append(Unicode.Scalar(scalar.value - 32)!)
            default: name.append("_")
            }
        }
        let trimmed = name.drop { $0 == "_" || $0.isASCII && $0.isNumber }
        guard !trimmed.isEmpty else { return nil }
        let sanitised = String(trimmed.prefix(64))
        return reserved.contains(sanitised) ? String("META_\(sanitised)".prefix(64)) : sanitised
    }

    /// All fields of one entry, in a stable order: message, priority, identifier, logger label,
    /// source location, then metadata sorted by field name.
    public static func entry(
        identifier: String, label: String, level: Logger.Level, message: String,
        metadata: Logger.Metadata, source: String, file: String, function: String, line: UInt
    ) -> [String] {
        var fields = [
            "MESSAGE=\(message)",
            "PRIORITY=\(KataLogging.syslogPriority(level))",
            "SYSLOG_IDENTIFIER=\(identifier)",
            "LOGGER=\(label)",
            "SOURCE=\(source)",
            "CODE_FILE=\(file)",
            "CODE_LINE=\(line)",
            "CODE_FUNC=\(function)",
        ]
        var named: [String: String] = [:]
        for (key, value) in metadata {
            guard let name = fieldName(for: key) else { continue }
            named[name] = "\(value)"
        }
        for name in named.keys.sorted() { fields.append("\(name)=\(named[name]!)") }
        return fields
    }
}
