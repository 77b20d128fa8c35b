/// containerd's identifier rule, applied wherever an id from outside becomes a path, a QEMU
/// argument or a crun argument: `^[A-Za-z0-9]+([._-][A-Za-z0-9]+)*$`, at most 76 characters.
/// Separators never start, end or repeat, so no id can be `.`, `..` or contain `/`.
public enum Identifier {
    public static let maximumLength = 76

    /// Throws `invalidArgument` naming `field` when `value` breaks the rule.
    public static func validate(_ value: String, field: String) throws {
        if let reason = problem(value) {
            throw KataError(.invalidArgument, "\(field) \(quoted(value)): \(reason)")
        }
    }

    /// Why `value` is not an identifier, or nil when it is one.
    public static func problem(_ value: String) -> String? {
        let bytes = Array(value.utf8)
        if bytes.isEmpty { return "must not be empty" }
        if bytes.count > maximumLength { return "longer than \(maximumLength) characters" }
        var previousWasSeparator = true  // the first byte must be alphanumeric
        for byte in bytes {
            if isAlphanumeric(byte) {
                previousWasSeparator = false
            } else if byte == UInt8(ascii: ".") || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") {
                if previousWasSeparator { return "a '.', '_' or '-' must sit between letters or digits" }
                previousWasSeparator = true
            } else {
                return "only letters, digits, '.', '_' and '-' are allowed (containerd's identifier rule)"
            }
        }
        return previousWasSeparator ? "must end with a letter or digit" : nil
    }

    private static func isAlphanumeric(_ byte: UInt8) -> Bool {
        (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte)
    }

    /// The value for an error message: control characters escaped, long values shortened.
    static func quoted(_ value: String) -> String {
        var shown = ""
        for scalar in value.unicodeScalars.prefix(100) {
            let isControl = scalar.value < 0x20 || scalar.value == 0x7F
            shown += isControl ? scalar.escaped(asASCII: true) : String(scalar)
        }
        return "\"\(shown)\(value.unicodeScalars.count > 100 ? "…" : "")\""
    }
}

/// Signals from outside (containerd's Kill, the agent's SignalProcess): Linux numbers 1...64.
public enum SignalNumber {
    public static let valid: ClosedRange<UInt32> = 1...64

    /// The signal as the C type, or `invalidArgument` naming `field`.
    public static func validate(_ value: UInt32, field: String) throws -> Int32 {
        guard valid.contains(value) else {
            throw KataError(.invalidArgument, "\(field) \(value): a signal must be between 1 and 64")
        }
        return Int32(value)
    }
}
