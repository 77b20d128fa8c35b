/// Strict standard base64 (RFC 4648 §4, with padding), checked without Foundation.
enum Base64 {
    /// The decoded length of `text`, or nil when it is not padded standard base64.
    static func decodedCount(_ text: String) -> Int? {
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

    private static func isAlphabet(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "+"), UInt8(ascii: "/"):
            true
        default: false
        }
    }
}
