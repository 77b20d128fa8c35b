/// Where the guest finds a PCI device, in upstream Kata's form: the slot of each bridge or
/// port from the root bus down, then the device's own slot, as two hex digits each
/// ("0f/00": behind the root port in slot 0x0f of bus 0, slot 0 on that port's bus).
public struct GuestPCIPath: Sendable, Equatable, Codable, CustomStringConvertible {
    public var slots: [UInt8]

    /// PCI allows 32 slots a bus; a path deeper than a few bridges is not one we make.
    public static let maxDepth = 8

    public init(slots: [UInt8]) throws {
        guard (1...Self.maxDepth).contains(slots.count), slots.allSatisfy({ $0 < 32 }) else {
            throw KataError(
                .invalidArgument, "PCI path: 1...\(Self.maxDepth) slots, each below 0x20 (got \(slots))")
        }
        self.slots = slots
    }

    /// Parses "RR/DD[/...]", two lower- or upper-case hex digits a slot.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        var slots: [UInt8] = []
        for part in parts {
            guard part.utf8.count == 2, part.utf8.allSatisfy(\.isASCIIHexDigit),
                let slot = UInt8(part, radix: 16)
            else {
                throw KataError(
                    .invalidArgument, "PCI path \(text.debugDescription): expected slots like \"0f/00\"")
            }
            slots.append(slot)
        }
        try self.init(slots: slots)
    }

    public var description: String { slots.map(Self.slotText).joined(separator: "/") }

    /// One slot as the path and sysfs write it: two lower-case hex digits.
    public static func slotText(_ slot: UInt8) -> String {
        slot < 16 ? "0" + String(slot, radix: 16) : String(slot, radix: 16)
    }
}

extension UInt8 {
    fileprivate var isASCIIHexDigit: Bool {
        (0x30...0x39).contains(self) || (0x41...0x46).contains(self) || (0x61...0x66).contains(self)
    }
}
