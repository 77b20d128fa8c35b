/// Key/value pairs sent with a request (ttrpc's `Request.metadata`). A key may repeat;
/// order is kept.
public struct TTRPCMetadata: Sendable, Equatable, ExpressibleByDictionaryLiteral {
    public private(set) var entries: [(key: String, value: String)]

    public init() { entries = [] }

    public init(dictionaryLiteral elements: (String, String)...) {
        entries = elements.map { (key: $0.0, value: $0.1) }
    }

    public mutating func add(_ key: String, _ value: String) {
        entries.append((key: key, value: value))
    }

    /// Every value of `key`, in the order received.
    public subscript(key: String) -> [String] {
        entries.filter { $0.key == key }.map(\.value)
    }

    public static func == (lhs: TTRPCMetadata, rhs: TTRPCMetadata) -> Bool {
        lhs.entries.elementsEqual(rhs.entries) { $0.key == $1.key && $0.value == $1.value }
    }

    var wire: [Ttrpc_KeyValue] {
        entries.map { entry in
            Ttrpc_KeyValue.with {
                $0.key = entry.key; $0.value = entry.value
            }
        }
    }

    init(wire: [Ttrpc_KeyValue]) {
        entries = wire.map { (key: $0.key, value: $0.value) }
    }
}
