import KataCore

/// The initdata document's TOML, read by one strict parser shared by the host (before the VM
/// starts) and the guest agent (from the initdata disk).
///
/// Why not TOMLKit, which reads configuration.toml: it imports full Foundation, which would put
/// ~40 MB of ICU data into the guest agent, and the document has one fixed shape. This parser
/// accepts exactly that shape — comments, bare and quoted keys, the four string forms with TOML
/// 1.0 escapes, top-level `version` and `algorithm`, one `[data]` table of strings — and refuses
/// everything else (other tables, dotted keys, arrays, inline tables, numbers, booleans, dates)
/// with the line it is on. A document it accepts means the same to any TOML 1.0 reader.
struct InitdataTOML {
    /// Key/value pairs in document order, split into the top level and `[data]`.
    var topLevel: [(key: String, value: String, line: Int)] = []
    var data: [(key: String, value: String, line: Int)] = []

    static func parse(_ bytes: [UInt8]) throws(InitdataProblem) -> InitdataTOML {
        guard String(validating: bytes, as: UTF8.self) != nil else {
            throw InitdataProblem("not TOML: the document is not valid UTF-8")
        }
        var parser = Parser(bytes: bytes)
        return try parser.document()
    }
}

/// Why initdata was refused, without its origin (the caller adds the annotation or the disk).
struct InitdataProblem: Error {
    let message: String
    init(_ message: String) { self.message = message }
}

private struct Parser {
    let bytes: [UInt8]
    var index = 0
    var line = 1
    var inData = false
    var sawData = false
    var result = InitdataTOML()

    init(bytes: [UInt8]) { self.bytes = bytes }

    var current: UInt8? { index < bytes.count ? bytes[index] : nil }

    func peek(_ offset: Int) -> UInt8? {
        index + offset < bytes.count ? bytes[index + offset] : nil
    }

    func fail(_ message: String) -> InitdataProblem {
        InitdataProblem("not TOML of the initdata shape: line \(line): \(message)")
    }

    mutating func document() throws(InitdataProblem) -> InitdataTOML {
        while current != nil {
            skipWhitespace()
            switch current {
            case nil: break
            case UInt8(ascii: "#"): break
            case UInt8(ascii: "\n"), UInt8(ascii: "\r"): break
            case UInt8(ascii: "["): try header()
            default: try keyValue()
            }
            try endOfLine()
        }
        return result
    }

    mutating func skipWhitespace() {
        while current == UInt8(ascii: " ") || current == UInt8(ascii: "\t") { index += 1 }
    }

    /// Optional comment, then a newline or the end of the document.
    mutating func endOfLine() throws(InitdataProblem) {
        skipWhitespace()
        if current == UInt8(ascii: "#") {
            index += 1
            while let byte = current, byte != UInt8(ascii: "\n") {
                if byte == UInt8(ascii: "\r"), peek(1) == UInt8(ascii: "\n") { break }
                guard byte == UInt8(ascii: "\t") || (byte >= 0x20 && byte != 0x7f) else {
                    throw fail("control character 0x\(Hex.byte(byte)) in a comment")
                }
                index += 1
            }
        }
        try newline(orEnd: true)
    }

    mutating func newline(orEnd: Bool) throws(InitdataProblem) {
        switch current {
        case nil where orEnd: return
        case UInt8(ascii: "\n"):
            index += 1
        case UInt8(ascii: "\r") where peek(1) == UInt8(ascii: "\n"):
            index += 2
        case let byte?:
            throw fail("unexpected \(describe(byte)) where the line should end")
        case nil:
            throw fail("unexpected end of the document")
        }
        line += 1
    }

    mutating func header() throws(InitdataProblem) {
        index += 1
        if current == UInt8(ascii: "[") { throw fail("arrays of tables are outside the initdata format") }
        skipWhitespace()
        let name = try key()
        skipWhitespace()
        if current == UInt8(ascii: ".") { throw fail("dotted table names are outside the initdata format") }
        guard current == UInt8(ascii: "]") else { throw fail("the table header is not closed with ']'") }
        index += 1
        guard name == "data" else {
            throw fail("table [\(name)] is outside the initdata format (only [data])")
        }
        guard !sawData else { throw fail("table [data] is defined twice") }
        sawData = true
        inData = true
    }

    mutating func keyValue() throws(InitdataProblem) {
        let keyLine = line
        let name = try key()
        skipWhitespace()
        if current == UInt8(ascii: ".") { throw fail("dotted keys are outside the initdata format") }
        guard current == UInt8(ascii: "=") else { throw fail("expected '=' after the key '\(name)'") }
        index += 1
        skipWhitespace()
        guard let value = try stringValue() else {
            let what = inData ? "data entry '\(name)'" : "'\(name)'"
            throw fail("\(what) is not a string (initdata values are strings)")
        }
        let existing = inData ? result.data : result.topLevel
        if existing.contains(where: { $0.key == name }) {
            throw fail("key '\(name)' is defined twice")
        }
        if inData {
            result.data.append((name, value, keyLine))
        } else {
            result.topLevel.append((name, value, keyLine))
        }
    }

    mutating func key() throws(InitdataProblem) -> String {
        switch current {
        case UInt8(ascii: "\""): return try basicString()
        case UInt8(ascii: "'"): return try literalString()
        default:
            let start = index
            while let byte = current, isBareKey(byte) { index += 1 }
            guard index > start else {
                throw fail(
                    current.map { "unexpected \(describe($0)) where a key should be" } ?? "missing key")
            }
            return String(decoding: bytes[start..<index], as: UTF8.self)
        }
    }

    /// A string in any of TOML's four forms, or nil when the value is not a string.
    mutating func stringValue() throws(InitdataProblem) -> String? {
        switch current {
        case UInt8(ascii: "\""):
            return peek(1) == UInt8(ascii: "\"") && peek(2) == UInt8(ascii: "\"")
                ? try multiLine(quote: UInt8(ascii: "\""), escapes: true) : try basicString()
        case UInt8(ascii: "'"):
            return peek(1) == UInt8(ascii: "'") && peek(2) == UInt8(ascii: "'")
                ? try multiLine(quote: UInt8(ascii: "'"), escapes: false) : try literalString()
        case nil, UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "#"):
            throw fail("a key without a value")
        default:
            return nil
        }
    }

    mutating func basicString() throws(InitdataProblem) -> String {
        index += 1
        var out: [UInt8] = []
        while true {
            guard let byte = current else { throw fail("unterminated string") }
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                return String(decoding: out, as: UTF8.self)
            case UInt8(ascii: "\\"):
                try escape(into: &out)
            default:
                try checkStringByte(byte, multiLine: false)
                out.append(byte)
                index += 1
            }
        }
    }

    mutating func literalString() throws(InitdataProblem) -> String {
        index += 1
        let start = index
        while true {
            guard let byte = current else { throw fail("unterminated string") }
            if byte == UInt8(ascii: "'") { break }
            try checkStringByte(byte, multiLine: false)
            index += 1
        }
        defer { index += 1 }
        return String(decoding: bytes[start..<index], as: UTF8.self)
    }

    /// `"""..."""` or `'''...'''`: a newline right after the opening quotes is dropped, up to
    /// two quotes may stand right before the closing ones, and (basic only) a backslash at the
    /// end of a line removes the line break and the whitespace that follows.
    mutating func multiLine(quote: UInt8, escapes: Bool) throws(InitdataProblem) -> String {
        index += 3
        if current == UInt8(ascii: "\n") || (current == UInt8(ascii: "\r") && peek(1) == UInt8(ascii: "\n")) {
            try newline(orEnd: false)
        }
        var out: [UInt8] = []
        while true {
            guard let byte = current else { throw fail("unterminated multi-line string") }
            if byte == quote, peek(1) == quote, peek(2) == quote {
                var run = 3
                while peek(run) == quote { run += 1 }
                guard run <= 5 else { throw fail("too many quotes closing a multi-line string") }
                out.append(contentsOf: repeatElement(quote, count: run - 3))
                index += run
                return String(decoding: out, as: UTF8.self)
            }
            if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                let crlf = byte == UInt8(ascii: "\r")
                try newline(orEnd: false)
                out.append(contentsOf: crlf ? [0x0d, 0x0a] : [0x0a])
                continue
            }
            if escapes, byte == UInt8(ascii: "\\") {
                if try lineEndingBackslash() { continue }
                try escape(into: &out)
                continue
            }
            try checkStringByte(byte, multiLine: true)
            out.append(byte)
            index += 1
        }
    }

    /// A backslash followed by optional whitespace and a line break: skips it and every
    /// whitespace and line break after it. False (nothing consumed) for an ordinary escape.
    mutating func lineEndingBackslash() throws(InitdataProblem) -> Bool {
        var probe = index + 1
        while probe < bytes.count, bytes[probe] == UInt8(ascii: " ") || bytes[probe] == UInt8(ascii: "\t") {
            probe += 1
        }
        guard probe < bytes.count, bytes[probe] == UInt8(ascii: "\n") || bytes[probe] == UInt8(ascii: "\r")
        else { return false }
        index = probe
        while let byte = current {
            if byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") {
                index += 1
            } else if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
                try newline(orEnd: false)
            } else {
                break
            }
        }
        return true
    }

    mutating func escape(into out: inout [UInt8]) throws(InitdataProblem) {
        index += 1
        guard let byte = current else { throw fail("unterminated string") }
        index += 1
        switch byte {
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "n"): out.append(0x0a)
        case UInt8(ascii: "f"): out.append(0x0c)
        case UInt8(ascii: "r"): out.append(0x0d)
        case UInt8(ascii: "\""): out.append(0x22)
        case UInt8(ascii: "\\"): out.append(0x5c)
        case UInt8(ascii: "u"): out.append(contentsOf: try unicodeEscape(digits: 4))
        case UInt8(ascii: "U"): out.append(contentsOf: try unicodeEscape(digits: 8))
        default: throw fail("unknown escape \\\(describe(byte))")
        }
    }

    mutating func unicodeEscape(digits: Int) throws(InitdataProblem) -> [UInt8] {
        var value: UInt32 = 0
        for _ in 0..<digits {
            guard let byte = current, let digit = Hex.value(byte) else {
                throw fail("\\u and \\U take \(digits) hexadecimal digits")
            }
            value = value << 4 | UInt32(digit)
            index += 1
        }
        guard let scalar = Unicode.Scalar(value) else {
            throw fail(
                "escape names U+\(String(value, radix: 16, uppercase: true)), not a Unicode scalar value")
        }
        return Array(String(Character(scalar)).utf8)
    }

    /// TOML forbids control characters in strings other than tab (and line breaks in
    /// multi-line strings, handled by the caller).
    func checkStringByte(_ byte: UInt8, multiLine: Bool) throws(InitdataProblem) {
        if byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r") {
            throw fail("line break inside a single-line string")
        }
        guard byte == 0x09 || (byte >= 0x20 && byte != 0x7f) else {
            throw fail("control character 0x\(Hex.byte(byte)) in a string")
        }
    }

    func isBareKey(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "_"), UInt8(ascii: "-"):
            true
        default: false
        }
    }

    func describe(_ byte: UInt8) -> String {
        byte >= 0x21 && byte < 0x7f ? "'\(Character(Unicode.Scalar(byte)))'" : "byte 0x\(Hex.byte(byte))"
    }
}
