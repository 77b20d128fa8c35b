import TOMLKit

/// One configuration value, as read from a TOML file or converted from an annotation string.
/// Keeping our own tree (instead of TOMLKit's reference types) makes values `Sendable` and lets
/// files, drop-ins and annotations go through one code path.
public enum ConfigValue: Sendable, Equatable {
    case string(String)
    case integer(Int)
    case float(Double)
    case boolean(Bool)
    case array([ConfigValue])
    case table([String: ConfigValue])
    /// TOML dates and times: no Kata option uses them, kept only so a type error can name them.
    case dateTime(String)

    /// The TOML type name used in error messages ("expected integer, found string").
    public var typeName: String {
        switch self {
        case .string: "string"
        case .integer: "integer"
        case .float: "float"
        case .boolean: "boolean"
        case .array: "array"
        case .table: "table"
        case .dateTime: "date-time"
        }
    }
}

extension ConfigValue {
    /// Converts a parsed TOMLKit node into our tree.
    init(toml node: TOMLValueConvertible) {
        switch node.type {
        case .string: self = .string(node.string ?? "")
        case .int: self = .integer(node.int ?? 0)
        case .double: self = .float(node.double ?? 0)
        case .bool: self = .boolean(node.bool ?? false)
        case .array: self = .array(node.array.map { $0.map(ConfigValue.init(toml:)) } ?? [])
        case .table: self = .table(node.table.map(ConfigValue.dictionary(of:)) ?? [:])
        case .date, .time, .dateTime: self = .dateTime(node.debugDescription)
        }
    }

    static func dictionary(of table: TOMLTable) -> [String: ConfigValue] {
        var result: [String: ConfigValue] = [:]
        for (key, value) in table {
            result[key] = ConfigValue(toml: value)
        }
        return result
    }
}
