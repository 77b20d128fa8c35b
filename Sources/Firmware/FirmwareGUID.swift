import KataCore
import KataUUID

/// A GUID as firmware stores it: the first three fields little-endian, the last eight bytes as
/// written ("mixed-endian", the byte order of EFI_GUID and Python's `uuid.bytes_le`). The text
/// form is KataUUID's; only the byte order differs.
public struct FirmwareGUID: Hashable, Sendable, CustomStringConvertible {
    /// The 16 bytes in image order.
    public let bytes: [UInt8]

    /// Wraps 16 bytes read from an image; `nil` when the slice is not 16 bytes long.
    public init?(imageBytes: some Collection<UInt8>) {
        guard imageBytes.count == 16 else { return nil }
        bytes = Array(imageBytes)
    }

    /// Parses the canonical text form `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx`.
    public init?(_ text: String) {
        guard let uuid = try? KataUUID(parsing: text) else { return nil }
        bytes = Self.swapFields(uuid.bytes)
    }

    /// A GUID written in source code; a typo is a programming error.
    public init(known text: String) {
        guard let guid = FirmwareGUID(text) else { preconditionFailure("bad GUID literal \(text)") }
        self = guid
    }

    /// The same GUID as a KataUUID (RFC 4122 byte order).
    public var uuid: KataUUID {
        // Both hold exactly 16 bytes, so the conversion cannot fail.
        (try? KataUUID(bytes: Self.swapFields(bytes))) ?? .zero
    }

    public var description: String { uuid.description }

    /// Reverses the first three fields (4, 2 and 2 bytes): big-endian text order <-> image order.
    private static func swapFields(_ bytes: [UInt8]) -> [UInt8] {
        bytes[0..<4].reversed() + bytes[4..<6].reversed() + bytes[6..<8].reversed() + bytes[8..<16]
    }
}

extension FirmwareGUID {
    /// Closes the GUIDed table that ends 32 bytes before the end of an OVMF image.
    public static let footerTable = FirmwareGUID(known: "96b582de-1fb2-45f7-baea-a366c55a082d")
    /// Entry holding the guest-physical address of the SEV kernel-hashes table.
    public static let sevHashTable = FirmwareGUID(known: "7255371f-3a3b-4b04-927b-1da6efa8d454")
    /// Entry holding the SEV-ES reset block (application-processor reset EIP).
    public static let sevESResetBlock = FirmwareGUID(known: "00f771de-1a7e-4fcb-890e-68c77e2fb44e")
    /// Entry holding the offset, from the image end, of the "ASEV" metadata block.
    public static let sevMetadata = FirmwareGUID(known: "dc886566-984a-4798-a75e-5585a7bf67cc")
    /// Entry holding the offset, from the image end, of the "TDVF" metadata block.
    public static let tdxMetadata = FirmwareGUID(known: "e47a6535-984a-4798-865e-4685a7bf8ec2")
    /// Entry of a Coconut-SVSM image holding its entry point, relative to the image start.
    public static let svsmInfo = FirmwareGUID(known: "a789a612-0597-4c4b-a49f-cbb1fe9d1ddd")
}

/// Lower-case hex of bytes, as printed by measurement tools.
public func hexString(_ bytes: some Sequence<UInt8>) -> String { Hex.encode(bytes) }
