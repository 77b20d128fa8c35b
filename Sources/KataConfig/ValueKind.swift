/// The TOML type a configuration key expects, with the rules for turning an annotation string
/// (annotations are always strings) into a value of that type.
enum ValueKind: Sendable {
    case string
    case integer
    /// Integer or float (upstream `default_vcpus` became a float in Kata 3.x).
    case number
    case boolean
    case stringList

    var name: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .number: "number"
        case .boolean: "boolean"
        case .stringList: "array of strings"
        }
    }

    /// Nil when `value` has this type, else what was found instead (for the error message).
    func mismatch(_ value: ConfigValue) -> String? {
        switch (self, value) {
        case (.string, .string), (.integer, .integer), (.number, .integer), (.number, .float),
            (.boolean, .boolean):
            return nil
        case (.stringList, .array(let items)):
            let other = items.first { if case .string = $0 { false } else { true } }
            return other.map { "array containing \($0.typeName)" }
        default:
            return value.typeName
        }
    }

    /// Converts an annotation's text; the error message says what was expected.
    func parseAnnotation(_ text: String, listSeparator: Character) throws(FieldProblem) -> ConfigValue {
        switch self {
        case .string:
            return .string(text)
        case .integer:
            guard let number = Int(text) else { throw FieldProblem("expected an integer, got '\(text)'") }
            return .integer(number)
        case .number:
            if let number = Int(text) { return .integer(number) }
            guard let number = Double(text), number.isFinite else {
                throw FieldProblem("expected a number, got '\(text)'")
            }
            return .float(number)
        case .boolean:
            // The spellings Go's strconv.ParseBool accepts, as upstream parses these annotations.
            switch text {
            case "1", "t", "T", "true", "TRUE", "True": return .boolean(true)
            case "0", "f", "F", "false", "FALSE", "False": return .boolean(false)
            default: throw FieldProblem("expected true or false, got '\(text)'")
            }
        case .stringList:
            let items = text.split(separator: listSeparator).map { $0.trimmingWhitespace() }
            return .array(items.filter { !$0.isEmpty }.map { .string($0) })
        }
    }
}

/// A value that has the right TOML type but is not acceptable; the caller adds file and key.
struct FieldProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

extension StringProtocol {
    func trimmingWhitespace() -> String {
        let isSpace: (Character) -> Bool = { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }
        guard let first = firstIndex(where: { !isSpace($0) }), let last = lastIndex(where: { !isSpace($0) })
        else { return "" }
        return String(self[first...last])
    }
}
