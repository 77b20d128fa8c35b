/// Finds table headers that start with something other than a key, such as `[#` or `[[=`.
///
/// Why: toml++ (inside TOMLKit 0.6) only asserts that a header's first character can start a
/// key: a debug build aborts the process on `[#`, a release build has undefined behaviour
/// (found by `make fuzz`, target config-annotations). So the loader checks headers itself and
/// reports them as the syntax errors they are, before TOMLKit sees the text.
///
/// The scan follows TOML's lexical structure just far enough to know when a line starts at the
/// top level: strings (basic, literal, multi-line), comments, and the nesting of arrays and
/// inline tables, so that a `[` opening a nested array on its own line is not taken for a header.
enum TOMLHeaderCheck {
    struct Problem: Equatable {
        let line: Int
        let column: Int
    }

    /// The position (1-based) of the first character after the brackets of a header without a key.
    static func firstKeylessHeader(in text: String) -> Problem? {
        var scanner = Scanner(Array(text.utf8))
        return scanner.run()
    }

    private struct Scanner {
        let bytes: [UInt8]
        var index = 0
        var line = 1
        var lineStart = 0
        /// Open `[` and `{` of values.
        var depth = 0

        init(_ bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() -> Problem? {
            var atLineStart = true
            while index < bytes.count {
                let byte = bytes[index]
                switch byte {
                case UInt8(ascii: " "), UInt8(ascii: "\t"), UInt8(ascii: "\r"):
                    index += 1
                    continue
                case UInt8(ascii: "\n"):
                    newline()
                    atLineStart = true
                    continue
                case UInt8(ascii: "#"):
                    skipToEndOfLine()
                    continue
                case UInt8(ascii: "\""), UInt8(ascii: "'"):
                    skipString(quote: byte)
                case UInt8(ascii: "["):
                    if atLineStart && depth == 0 {
                        if let problem = checkHeader() { return problem }
                        skipToEndOfLine()
                        continue
                    }
                    depth += 1
                    index += 1
                case UInt8(ascii: "{"):
                    depth += 1
                    index += 1
                case UInt8(ascii: "]"), UInt8(ascii: "}"):
                    depth = max(0, depth - 1)
                    index += 1
                default:
                    index += 1
                }
                atLineStart = false
            }
            return nil
        }

        private mutating func newline() {
            index += 1
            line += 1
            lineStart = index
        }

        private mutating func skipToEndOfLine() {
            while index < bytes.count, bytes[index] != UInt8(ascii: "\n") { index += 1 }
        }

        private func startsWith(_ quote: UInt8, count: Int, at position: Int) -> Bool {
            position + count <= bytes.count && bytes[position..<position + count].allSatisfy { $0 == quote }
        }

        /// Skips a string of any kind; an unterminated one ends at the end of its line (single-line)
        /// or of the text (multi-line); toml++ reports those.
        private mutating func skipString(quote: UInt8) {
            let escapes = quote == UInt8(ascii: "\"")
            if startsWith(quote, count: 3, at: index) {
                index += 3
                while index < bytes.count, !startsWith(quote, count: 3, at: index) {
                    if escapes && bytes[index] == UInt8(ascii: "\\") { index += 1 }
                    if index < bytes.count, bytes[index] == UInt8(ascii: "\n") {
                        newline()
                    } else {
                        index += 1
                    }
                }
                // Up to two more quotes may close the string ("""a"""" is a" plus """).
                index = min(bytes.count, index + 3)
                while index < bytes.count, bytes[index] == quote { index += 1 }
                return
            }
            index += 1
            while index < bytes.count, bytes[index] != quote, bytes[index] != UInt8(ascii: "\n") {
                if escapes && bytes[index] == UInt8(ascii: "\\") && index + 1 < bytes.count
                    && bytes[index + 1] != UInt8(ascii: "\n")
                {
                    index += 1
                }
                index += 1
            }
            if index < bytes.count, bytes[index] == quote { index += 1 }
        }

        /// At a header's `[`: what follows `[` or `[[` and any blanks must be able to start a key
        /// (toml++ itself reports `[]` and `[ ]`).
        private mutating func checkHeader() -> Problem? {
            var position = index + 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "[") { position += 1 }
            while position < bytes.count,
                bytes[position] == UInt8(ascii: " ") || bytes[position] == UInt8(ascii: "\t")
            {
                position += 1
            }
            guard position < bytes.count else { return nil }
            let next = bytes[position]
            if Self.startsKey(next) || next == UInt8(ascii: "]") { return nil }
            return Problem(line: line, column: position - lineStart + 1)
        }

        private static func startsKey(_ byte: UInt8) -> Bool {
            switch byte {
            case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"),
                UInt8(ascii: "\""),
                UInt8(ascii: "'"):
                true
            default: false
            }
        }
    }
}
