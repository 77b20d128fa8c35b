import Firmware

/// What `kata-runtime measure` prints, and the VMSA pages `--dump-vmsa` writes.
public struct MeasureOutput: Sendable {
    /// Standard output, without the final newline.
    public let text: String
    public let vmsaPages: [[UInt8]]
}

/// A tiny JSON writer for the `--json` report (keys keep their insertion order).
indirect enum JSONValue {
    case string(String)
    case number(Int)
    case object([(String, JSONValue)])
    case array([JSONValue])
    case null

    func rendered(indent: String = "") -> String {
        switch self {
        case .string(let text): return quoted(text)
        case .number(let value): return String(value)
        case .null: return "null"
        case .object(let members):
            guard !members.isEmpty else { return "{}" }
            let inner = indent + "  "
            let lines = members.map { "\(inner)\(quoted($0.0)): \($0.1.rendered(indent: inner))" }
            return "{\n" + lines.joined(separator: ",\n") + "\n\(indent)}"
        case .array(let elements):
            guard !elements.isEmpty else { return "[]" }
            let inner = indent + "  "
            let lines = elements.map { inner + $0.rendered(indent: inner) }
            return "[\n" + lines.joined(separator: ",\n") + "\n\(indent)]"
        }
    }

    /// On one line, without spaces (for messages other tools read, such as an RVPS message).
    func compact() -> String {
        switch self {
        case .string, .number, .null: return rendered()
        case .object(let members):
            return "{" + members.map { quoted($0.0) + ":" + $0.1.compact() }.joined(separator: ",") + "}"
        case .array(let elements): return "[" + elements.map { $0.compact() }.joined(separator: ",") + "]"
        }
    }

    /// JSON string escaping, shared with `env --json`.
    private func quoted(_ text: String) -> String { EnvValue.quoted(text) }
}
