/// Standard base64 (RFC 4648 §4, with padding), without Foundation: QEMU's `host-data` and
/// TDX registers, the measurement reports, the checks of base64 configuration values, and the
/// initdata annotation.
public enum Base64 {
    private static let alphabet = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    public static func encode(_ bytes: [UInt8]) -> String {
        var output: [UInt8] = []
        output.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index < bytes.count {
            let remaining = bytes.count - index
            let b0 = UInt32(bytes[index])
            let b1 = remaining > 1 ? UInt32(bytes[index + 1]) : 0
            let b2 = remaining > 2 ? UInt32(bytes[index + 2]) : 0
            let group = b0 << 16 | b1 << 8 | b2
            output.append(alphabet[Int(group >> 18 & 0x3f)])
            output.append(alphabet[Int(group >> 12 & 0x3f)])
            output.append(remaining > 1 ? alphabet[Int(group >> 6 & 0x3f)] : UInt8(ascii: "="))
            output.append(remaining > 2 ? alphabet[Int(group & 0x3f)] : UInt8(ascii: "="))
            index += 3
        }
        return String(decoding: output, as: UTF8.self)
    }

    /// The decoded length of `text`, or nil when it is not padded standard base64.
    public static func decodedCount(_ text: String) -> Int? {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty, bytes.count % 4 == 0 else { return nil }
        var padding = 0
        for (index, byte) in bytes.enumerated() {
            if byte == UInt8(ascii: "=") {
                // Padding only in the last two places, and nothing but padding after it.
                guard index >= bytes.count - 2 else { return nil }
                padding += 1
                continue
            }
            guard padding == 0, isAlphabet(byte) else { return nil }
        }
        return bytes.count / 4 * 3 - padding
    }

    /// The bytes `text` encodes, or nil when it is not padded standard base64 (no whitespace,
    /// no URL alphabet, padding only at the end). Unused bits of the last group must be zero, so
    /// each byte string has exactly one accepted encoding.
    public static func decode(_ text: String) -> [UInt8]? {
        guard let count = decodedCount(text) else { return nil }
        var output: [UInt8] = []
        output.reserveCapacity(count)
        var group: UInt32 = 0
        var bits = 0
        for byte in text.utf8 where byte != UInt8(ascii: "=") {
            group = group << 6 | UInt32(sextet(byte))
            bits += 6
            if bits >= 8 {
                bits -= 8
                output.append(UInt8(truncatingIfNeeded: group >> UInt32(bits)))
                group &= (1 << UInt32(bits)) - 1
            }
        }
        guard group == 0 else { return nil }
        return output
    }

    private static func sextet(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"): byte - UInt8(ascii: "A")
        case UInt8(ascii: "a")...UInt8(ascii: "z"): byte - UInt8(ascii: "a") + 26
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0") + 52
        case UInt8(ascii: "+"): 62
        default: 63
        }
    }

    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            true
        default: false
        }
    }
}
