import KataCore

/// What a guest kernel file is, from its first bytes. UEFI firmware starts a kernel through its
/// EFI stub, which only a PE image has: a bzImage (`MZ` at 0, `PE\0\0` at the offset stored at
/// 0x3c). The unpacked ELF `vmlinux` boots faster under QEMU's own loader but not from firmware.
public enum KernelImageFormat: Sendable, Equatable {
    /// A PE/COFF image with an EFI stub (bzImage built with CONFIG_EFI_STUB).
    case peBzImage
    /// An ELF file (`vmlinux`).
    case elf
    /// Something else; the string says what was found.
    case unknown(String)

    /// Reads the headers of the file at `path`. Throws when it cannot be opened or read.
    public static func identify(path: String) throws -> KernelImageFormat {
        let file = try FileReader(path: path)
        guard file.size >= 4 else { return .unknown("only \(file.size) bytes long") }
        let magic = try file.read(at: 0, count: 4, what: "kernel magic")
        if magic == [0x7f, UInt8(ascii: "E"), UInt8(ascii: "L"), UInt8(ascii: "F")] { return .elf }
        guard magic[0] == UInt8(ascii: "M"), magic[1] == UInt8(ascii: "Z") else {
            return .unknown("no MZ or ELF magic at offset 0")
        }
        guard file.size >= 0x40 else { return .unknown("MZ header shorter than 64 bytes") }
        let pointer = Int(littleEndian(try file.read(at: 0x3c, count: 4, what: "PE header offset")))
        guard pointer >= 0x40, pointer <= file.size - 4 else {
            return .unknown("PE header offset 0x\(String(pointer, radix: 16)) lies outside the file")
        }
        let signature = try file.read(at: pointer, count: 4, what: "PE signature")
        guard signature == [UInt8(ascii: "P"), UInt8(ascii: "E"), 0, 0] else {
            return .unknown("MZ header without a PE signature at 0x\(String(pointer, radix: 16))")
        }
        return .peBzImage
    }
}
