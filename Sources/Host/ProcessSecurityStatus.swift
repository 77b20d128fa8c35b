import KataCore

/// A process's capability sets and seccomp mode, from /proc/<pid>/status.
public struct ProcessSecurityStatus: Sendable, Equatable {
    public var effective: CapabilitySet
    public var permitted: CapabilitySet
    public var inheritable: CapabilitySet
    public var bounding: CapabilitySet
    public var ambient: CapabilitySet
    /// 0: none, 1: strict, 2: filter (what `-sandbox on` installs).
    public var seccompMode: Int
    public var noNewPrivileges: Bool

    /// Reads /proc/<pid>/status.
    public static func read(pid: Int32) throws -> ProcessSecurityStatus {
        try read(path: "/proc/\(pid)/status")
    }

    /// Reads a status file such as /proc/self/status or /proc/thread-self/status.
    public static func read(path: String) throws -> ProcessSecurityStatus {
        try ProcessSecurityStatus(parsing: readTextFile(path), source: path)
    }

    /// Parses the `Cap*:`, `Seccomp:` and `NoNewPrivs:` lines; a missing or malformed
    /// capability line is `malformedInput` naming `source`.
    public init(parsing text: String, source: String = "status") throws {
        var fields: [Substring: Substring] = [:]
        for line in text.split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[line[..<colon]] = line[line.index(after: colon)...].drop { $0 == " " || $0 == "\t" }
        }
        func capabilities(_ key: Substring) throws -> CapabilitySet {
            guard let value = fields[key], let mask = UInt64(value, radix: 16) else {
                throw KataError(.malformedInput, "\(source): no hexadecimal \(key) line")
            }
            return CapabilitySet(mask: mask)
        }
        effective = try capabilities("CapEff")
        permitted = try capabilities("CapPrm")
        inheritable = try capabilities("CapInh")
        bounding = try capabilities("CapBnd")
        // Kernels before 4.3 have no ambient set.
        ambient = fields["CapAmb"] == nil ? .empty : try capabilities("CapAmb")
        seccompMode = fields["Seccomp"].flatMap { Int($0) } ?? 0
        noNewPrivileges = fields["NoNewPrivs"] == "1"
    }
}
