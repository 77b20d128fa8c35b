/// An ordered tree of settings that renders as TOML (upstream's `kata-runtime env` format) or
/// JSON (`--json`), so both outputs come from one description.
public indirect enum EnvValue: Sendable, Equatable {
    case string(String)
    case int(Int64)
    case bool(Bool)
    case strings([String])
    case table([(String, EnvValue)])

    public static func == (lhs: EnvValue, rhs: EnvValue) -> Bool { lhs.json() == rhs.json() }

    /// TOML with `[Section]` and `[Section.Sub]` headers, scalars before subtables as TOML needs.
    public func toml() -> String {
        guard case .table(let entries) = self else { return "" }
        var out = ""
        Self.renderTable(entries, path: [], into: &out)
        return out
    }

    private static func renderTable(_ entries: [(String, EnvValue)], path: [String], into out: inout String) {
        let indent = String(repeating: "  ", count: max(0, path.count - 1))
        if !path.isEmpty {
            out += "\(String(repeating: "  ", count: path.count - 1))[\(path.joined(separator: "."))]\n"
        }
        for (key, value) in entries {
            if case .table = value { continue }
            out += "\(indent)\(path.isEmpty ? "" : "  ")\(key) = \(value.tomlScalar)\n"
        }
        for (key, value) in entries {
            if case .table(let sub) = value { renderTable(sub, path: path + [key], into: &out) }
        }
    }

    private var tomlScalar: String {
        switch self {
        case .string(let s): return Self.quoted(s)
        case .int(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .strings(let list): return "[" + list.map(Self.quoted).joined(separator: ", ") + "]"
        case .table: return ""
        }
    }

    /// Pretty JSON with keys in the tree's order.
    public func json(indent: Int = 0) -> String {
        let pad = String(repeating: "  ", count: indent + 1), close = String(repeating: "  ", count: indent)
        switch self {
        case .string(let s): return Self.quoted(s)
        case .int(let n): return String(n)
        case .bool(let b): return b ? "true" : "false"
        case .strings(let list): return "[" + list.map(Self.quoted).joined(separator: ", ") + "]"
        case .table(let entries):
            if entries.isEmpty { return "{}" }
            let body = entries.map { "\(pad)\(Self.quoted($0.0)): \($0.1.json(indent: indent + 1))" }
            return "{\n" + body.joined(separator: ",\n") + "\n\(close)}"
        }
    }

    /// A double-quoted string with the escapes TOML and JSON share.
    static func quoted(_ s: String) -> String {
        var out = "\""
        for scalar in s.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: out.unicodeScalars.append(scalar)
            }
        }
        return out + "\""
    }
}
