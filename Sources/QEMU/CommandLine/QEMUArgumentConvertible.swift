import Host

/// A part of the QEMU command line that renders its own arguments, e.g. `["-smp", "1"]`, and
/// names the capabilities QEMU needs to provide it (most parts need none).
public protocol QEMUArgumentConvertible: Sendable {
    var qemuArguments: [String] { get }
    var hostCapabilities: CapabilitySet { get }
}

extension QEMUArgumentConvertible {
    public var hostCapabilities: CapabilitySet { .empty }
}

/// Builds a QEMU option string (`driver,key=value,key=value`). QEMU splits option strings on
/// commas and reads a doubled comma as a literal one, so every value is escaped that way.
struct OptionString {
    private(set) var parts: [String] = []

    init(_ leading: String? = nil) {
        if let leading { parts.append(Self.escape(leading)) }
    }

    /// QEMU's escaping of a comma inside an option value: `a,b` becomes `a,,b`.
    static func escape(_ value: String) -> String {
        guard value.contains(",") else { return value }
        var escaped = ""
        for character in value {
            escaped.append(character)
            if character == "," { escaped.append(",") }
        }
        return escaped
    }

    mutating func add(_ key: String, _ value: String?) {
        guard let value else { return }
        parts.append("\(key)=\(Self.escape(value))")
    }

    mutating func add(_ key: String, _ value: Int?) {
        guard let value else { return }
        parts.append("\(key)=\(value)")
    }

    /// Booleans render as QEMU's `on`/`off`.
    mutating func add(_ key: String, _ value: Bool?) {
        guard let value else { return }
        parts.append("\(key)=\(value ? "on" : "off")")
    }

    /// A bare flag such as a CPU feature `-vmx-rdseed-exit`.
    mutating func addRaw(_ part: String) {
        parts.append(Self.escape(part))
    }

    var rendered: String { parts.joined(separator: ",") }
}

/// A memory size in mebibytes, rendered as QEMU's `256M`.
public struct MemorySize: Sendable, Equatable, Hashable {
    public var mebibytes: Int

    public init(mebibytes: Int) {
        self.mebibytes = mebibytes
    }

    public static func mebibytes(_ value: Int) -> MemorySize { MemorySize(mebibytes: value) }
    public static func gibibytes(_ value: Int) -> MemorySize { MemorySize(mebibytes: value * 1024) }

    var rendered: String { "\(mebibytes)M" }
}
