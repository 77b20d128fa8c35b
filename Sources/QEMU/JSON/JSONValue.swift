import KataCore

/// A JSON value as QMP sends and receives it. Objects keep their key order so rendered JSON
/// (QMP commands, `-object {...}`) is deterministic and reads like QEMU's documentation.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// An ordered JSON object: lookups by key, rendering in insertion order.
public struct JSONObject: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String] = []
    private var values: [String: JSONValue] = [:]

    public init() {}

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        for (key, value) in elements { self[key] = value }
    }

    public subscript(key: String) -> JSONValue? {
        get { values[key] }
        set {
            if let newValue {
                if values.updateValue(newValue, forKey: key) == nil { keys.append(key) }
            } else if values.removeValue(forKey: key) != nil {
                keys.removeAll { $0 == key }
            }
        }
    }

    public var isEmpty: Bool { keys.isEmpty }
    public var entries: [(key: String, value: JSONValue)] { keys.map { ($0, values[$0]!) } }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral {
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int64) { self = .int(value) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
}

// Typed access that reports which field was missing or of the wrong type (`.malformedInput`).
extension JSONValue {
    var kindName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .int, .double: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    func objectValue(_ context: String) throws -> JSONObject {
        guard case .object(let object) = self else { throw Self.mismatch(context, "object", self) }
        return object
    }

    func arrayValue(_ context: String) throws -> [JSONValue] {
        guard case .array(let array) = self else { throw Self.mismatch(context, "array", self) }
        return array
    }

    func stringValue(_ context: String) throws -> String {
        guard case .string(let string) = self else { throw Self.mismatch(context, "string", self) }
        return string
    }

    func intValue(_ context: String) throws -> Int64 {
        guard case .int(let value) = self else { throw Self.mismatch(context, "integer", self) }
        return value
    }

    func boolValue(_ context: String) throws -> Bool {
        guard case .bool(let value) = self else { throw Self.mismatch(context, "boolean", self) }
        return value
    }

    private static func mismatch(_ context: String, _ expected: String, _ value: JSONValue) -> KataError {
        KataError(.malformedInput, "\(context): expected \(expected), got \(value.kindName)")
    }
}

extension JSONObject {
    /// The value under `key`; `.malformedInput` naming `context.key` when absent.
    func required(_ key: String, in context: String) throws -> JSONValue {
        guard let value = self[key] else {
            throw KataError(.malformedInput, "\(context): missing field '\(key)'")
        }
        return value
    }

    func string(_ key: String, in context: String) throws -> String {
        try required(key, in: context).stringValue("\(context).\(key)")
    }

    func int(_ key: String, in context: String) throws -> Int64 {
        try required(key, in: context).intValue("\(context).\(key)")
    }

    func bool(_ key: String, in context: String) throws -> Bool {
        try required(key, in: context).boolValue("\(context).\(key)")
    }

    func optionalString(_ key: String, in context: String) throws -> String? {
        guard let value = self[key], value != .null else { return nil }
        return try value.stringValue("\(context).\(key)")
    }
}
