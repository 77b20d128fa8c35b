/// An integer option parsed the way sev-snp-measure's argparse types parse it (`int(text)` or
/// `int(text, 0)`), so that `kata-runtime measure` accepts and refuses the same values.
/// Python integers are unbounded; the low 64 bits are kept, as its VMSA fields keep them.
struct PythonInteger: Equatable {
    var isNegative: Bool
    /// The magnitude modulo 2^64.
    var magnitude: UInt64
    /// The magnitude needs more than 64 bits.
    var isWide: Bool

    /// Two's-complement low 64 bits.
    var wrapped: UInt64 { isNegative ? 0 &- magnitude : magnitude }

    var isZero: Bool { magnitude == 0 && !isWide }

    /// The value when it fits in `Int`.
    var intValue: Int? {
        guard !isWide else { return nil }
        if isNegative {
            return magnitude <= UInt64(Int.max) + 1 ? Int(truncatingIfNeeded: 0 &- magnitude) : nil
        }
        return magnitude <= UInt64(Int.max) ? Int(magnitude) : nil
    }

    /// `int(text)` when `autoBase` is false, `int(text, 0)` when true; `nil` where Python raises.
    init?(_ text: String, autoBase: Bool) {
        var characters = Substring(text.trimmingWhitespace())
        isNegative = false
        if let sign = characters.first, sign == "+" || sign == "-" {
            isNegative = sign == "-"
            characters = characters.dropFirst()
        }
        var radix: UInt64 = 10
        var prefixed = false
        if autoBase, characters.count >= 2, characters.first == "0" {
            switch characters.dropFirst().first {
            case "x", "X": radix = 16
            case "o", "O": radix = 8
            case "b", "B": radix = 2
            default: break
            }
            if radix != 10 {
                prefixed = true
                characters = characters.dropFirst(2)
                // One underscore may follow the prefix: 0x_ff.
                if characters.first == "_" { characters = characters.dropFirst() }
            }
        }
        guard let (magnitude, isWide) = Self.digits(characters, radix: radix) else { return nil }
        // In base 0 a decimal number may not have leading zeros unless it is zero.
        if autoBase, !prefixed, characters.first == "0", magnitude != 0 || isWide { return nil }
        self.magnitude = magnitude
        self.isWide = isWide
    }

    /// Digits with single underscores between them.
    private static func digits(_ characters: Substring, radix: UInt64) -> (UInt64, Bool)? {
        guard let first = characters.first, first != "_", characters.last != "_" else { return nil }
        var value: UInt64 = 0
        var wide = false
        var previousUnderscore = false
        for character in characters {
            if character == "_" {
                if previousUnderscore { return nil }
                previousUnderscore = true
                continue
            }
            previousUnderscore = false
            guard let digit = character.hexDigitValue, UInt64(digit) < radix else { return nil }
            let (product, overflowA) = value.multipliedReportingOverflow(by: radix)
            let (sum, overflowB) = product.addingReportingOverflow(UInt64(digit))
            wide = wide || overflowA || overflowB
            value = sum
        }
        return (value, wide)
    }
}

extension String {
    /// Python's `str.strip()` with no argument.
    func trimmingWhitespace() -> Substring {
        let scalars = unicodeScalars
        guard let start = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
            let end = scalars.lastIndex(where: { !$0.properties.isWhitespace })
        else { return "" }
        return Substring(scalars[start...end])
    }
}
