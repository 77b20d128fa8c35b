import Firmware
import KataCore

/// The setup-header bytes QEMU before 10.2 writes into the kernel it serves a TD's firmware
/// (x86_load_linux on a q35 machine), re-implemented from the Linux boot protocol and QEMU's
/// memory layout so that the patched kernel can be measured without running QEMU.
public enum QEMUKernelHeaderPatch {
    /// pc/q35 machines reserve this much below 4 GiB for ACPI tables (acpi_data_size).
    static let acpiDataSize: UInt64 = 0x20000 + 0x8000

    /// Patches for a kernel with `header`, a command line of `commandLineLength` bytes, an
    /// initrd of `initrdSize` bytes (nil: none) and `memoryBytes` of guest RAM.
    public static func patches(
        header: LinuxSetupHeader, path: String, commandLineLength: Int, initrdSize: Int?, memoryBytes: UInt64
    ) throws -> [Int: UInt8] {
        let version = header.protocolVersion
        let commandLineSize = UInt32(truncatingIfNeeded: (commandLineLength + 16) & ~15)
        let (realAddress, commandLineAddress): (UInt32, UInt32) =
            version < 0x202 || header.loadFlags & 0x01 == 0
            ? (0x90000, 0x9a000 &- commandLineSize) : (0x10000, 0x20000)
        var patches: [Int: UInt8] = [:]
        func put(_ value: UInt32, at offset: Int, bytes: Int) {
            for index in 0..<bytes {
                patches[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
            }
        }
        if version >= 0x202 {
            put(commandLineAddress, at: 0x228, bytes: 4)
        } else {
            put(0xa33f, at: 0x20, bytes: 2)
            put(commandLineAddress &- realAddress, at: 0x22, bytes: 2)
        }
        if version >= 0x200 { patches[0x210] = 0xb0 }
        if version >= 0x201 {
            patches[0x211] = header.loadFlags | 0x80
            put(commandLineAddress &- realAddress &- 0x200, at: 0x224, bytes: 2)
        }
        if let initrdSize {
            guard version >= 0x200 else {
                throw KataError(
                    .unsupported, "\(path): boot protocol \(version) is too old to load an initrd")
            }
            let below4G = below4GiB(memoryBytes)
            var maximum: UInt64 =
                version >= 0x20c && header.xloadFlags & 0x2 != 0
                ? 0xffff_ffff : version >= 0x203 ? UInt64(header.initrdAddressMax) : 0x37ff_ffff
            if maximum >= below4G - acpiDataSize { maximum = below4G - acpiDataSize - 1 }
            guard UInt64(initrdSize) < maximum else {
                throw KataError(
                    .invalidArgument,
                    "initrd of \(initrdSize) bytes does not fit below 0x\(String(maximum, radix: 16)) with "
                        + "\(memoryBytes >> 20) MiB of guest memory")
            }
            put(UInt32(truncatingIfNeeded: (maximum - UInt64(initrdSize)) & ~0xfff), at: 0x218, bytes: 4)
            put(UInt32(initrdSize), at: 0x21c, bytes: 4)
        }
        return patches
    }

    /// RAM below 4 GiB on q35: all of it up to 2.75 GiB, else 2 GiB (the rest goes above 4 GiB).
    static func below4GiB(_ memoryBytes: UInt64) -> UInt64 {
        let lowmem: UInt64 = memoryBytes >= 0xb000_0000 ? 0x8000_0000 : 0xb000_0000
        return min(memoryBytes, lowmem)
    }
}
