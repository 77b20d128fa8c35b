import Firmware

/// What `kata-runtime measure` prints, and the VMSA pages `--dump-vmsa` writes.
public struct MeasureOutput: Sendable {
    /// Standard output, without the final newline.
    public let text: String
    public let vmsaPages: [[UInt8]]
}

/// Standard base64 with padding, as Python's `base64.b64encode`.
func base64(_ bytes: [UInt8]) -> String {
    let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    var output: [UInt8] = []
    for start in stride(from: 0, to: bytes.count, by: 3) {
        let group = bytes[start..<min(start + 3, bytes.count)]
        let value = group.enumerated().reduce(UInt32(0)) { $0 | UInt32($1.element) << (16 - 8 * $1.offset) }
        for index in 0..<4 {
            output.append(
                index <= group.count ? alphabet[Int(value >> (18 - 6 * index)) & 0x3f] : UInt8(ascii: "="))
        }
    }
    return String(decoding: output, as: UTF8.self)
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
