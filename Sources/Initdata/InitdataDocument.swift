import Firmware

/// An initdata document (Confidential Containers' format): `version = "0.1.0"`, the digest
/// `algorithm`, and the `[data]` files (`aa.toml`, `cdh.toml`, `policy.rego`, ...) in
/// document order.
public struct InitdataDocument: Sendable, Equatable {
    public static let version = "0.1.0"
    /// The algorithms a document may choose (`sha256`, `sha384`, `sha512`).
    public static let algorithms: [DigestAlgorithm] = [.sha256, .sha384, .sha512]

    public struct Entry: Sendable, Equatable {
        public var name: String
        public var contents: String
    }

    public var algorithm: DigestAlgorithm
    public var entries: [Entry]

    /// The guest writes each entry as a file beside `initdata.toml`, so a name must be one path
    /// component of its own: not empty, not `.` or `..`, no `/` or NUL, at most 255 bytes, and
    /// not the document's own name.
    public static func entryNameProblem(_ name: String) -> String? {
        let bytes = Array(name.utf8)
        if bytes.isEmpty { return "is empty" }
        if bytes.count > 255 { return "is longer than 255 bytes" }
        if name == "." || name == ".." { return "is '\(name)'" }
        if bytes.contains(UInt8(ascii: "/")) { return "contains '/'" }
        if bytes.contains(0) { return "contains a NUL byte" }
        if name == Initdata.documentFileName { return "is the document's own file name" }
        return nil
    }

    init(_ toml: InitdataTOML) throws(InitdataProblem) {
        var version: String?
        var algorithmName: String?
        for item in toml.topLevel {
            switch item.key {
            case "version": version = item.value
            case "algorithm": algorithmName = item.value
            default:
                throw InitdataProblem(
                    "line \(item.line): unknown top-level key '\(item.key)' (initdata has version, algorithm "
                        + "and [data])")
            }
        }
        guard let version else { throw InitdataProblem("the document has no version") }
        guard version == Self.version else {
            throw InitdataProblem("unknown version '\(version)' (this runtime reads \(Self.version))")
        }
        guard let algorithmName else { throw InitdataProblem("the document has no algorithm") }
        guard let algorithm = Self.algorithms.first(where: { $0.rawValue == algorithmName }) else {
            throw InitdataProblem(
                "unknown algorithm '\(algorithmName)' (one of: "
                    + Self.algorithms.map(\.rawValue).joined(separator: ", ") + ")")
        }
        for item in toml.data {
            if let problem = Self.entryNameProblem(item.key) {
                throw InitdataProblem("line \(item.line): data entry name '\(item.key)' \(problem)")
            }
        }
        self.algorithm = algorithm
        entries = toml.data.map { Entry(name: $0.key, contents: $0.value) }
    }
}
