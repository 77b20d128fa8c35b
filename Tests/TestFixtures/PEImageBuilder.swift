import Firmware

/// Builds PE/COFF test images: a bzImage-shaped PE32+ (DOS stub, PE header at `peOffset`, a
/// Linux setup header with "HdrS") or plain PE32/PE32+ images with sections anywhere, gaps,
/// trailing data and a certificate table, so Authenticode code meets every layout edk2 takes.
package struct PEImageBuilder {
    package struct Section {
        package var name: String
        package var offset: Int
        package var size: Int

        package init(name: String, offset: Int, size: Int) {
            self.name = name
            self.offset = offset
            self.size = size
        }
    }

    package var peOffset = 0x80
    package var pe32Plus = true
    /// Data directories in the optional header (6 like a Linux bzImage; ≤ 4 means no certificate entry).
    package var directories = 6
    package var sizeOfHeaders = 0x200
    package var sections: [Section] = []
    package var fileSize = 0x4000
    /// Certificate table bytes at the end of the file (0: unsigned).
    package var certificateSize = 0
    /// Linux boot protocol (0: no setup header), load flags, xloadflags, initrd_addr_max.
    package var bootProtocol: UInt16 = 0x20f
    package var loadFlags: UInt8 = 0x01
    package var xloadFlags: UInt16 = 0x7f
    package var initrdAddressMax: UInt32 = 0x7fff_ffff
    /// Written at 0x400 and pointed to by kernel_version; nil: none.
    package var kernelVersion: String? = "6.12.0-test (builder) #1 SMP"

    package init() {}

    /// A small bzImage-like image: .setup, .text and .data back to back after the headers.
    package static func bzImage(size: Int = 0x4000, kernelVersion: String? = "6.12.0-test (builder) #1 SMP")
        -> PEImageBuilder
    {
        var builder = PEImageBuilder()
        builder.fileSize = size
        builder.kernelVersion = kernelVersion
        let text = (size - 0x1000) & ~0x1ff
        builder.sections = [
            Section(name: ".setup", offset: 0x200, size: 0xe00),
            Section(name: ".text", offset: 0x1000, size: text - 0x200),
            Section(name: ".data", offset: 0x1000 + text - 0x200, size: 0x200),
        ]
        return builder
    }

    /// The image: `fill` supplies every byte the headers do not set.
    package func build(fill: (Int) -> UInt8 = { _ in 0 }) -> [UInt8] {
        var bytes = (0..<fileSize).map(fill)
        func put(_ value: some FixedWidthInteger, at offset: Int) {
            let size = MemoryLayout.size(ofValue: value)
            for index in 0..<size where offset + index < bytes.count {
                bytes[offset + index] = UInt8(truncatingIfNeeded: value >> (8 * index))
            }
        }
        bytes[0] = UInt8(ascii: "M")
        bytes[1] = UInt8(ascii: "Z")
        put(UInt32(peOffset), at: 0x3c)
        bytes.replaceSubrange(peOffset..<peOffset + 4, with: [0x50, 0x45, 0, 0])
        let optionalSize = (pe32Plus ? 112 : 96) + 8 * directories
        put(UInt16(0x8664), at: peOffset + 4)
        put(UInt16(sections.count), at: peOffset + 6)
        put(UInt16(optionalSize), at: peOffset + 20)
        let optional = peOffset + 24
        for index in optional..<optional + optionalSize { bytes[index] = 0 }
        put(UInt16(pe32Plus ? 0x20b : 0x10b), at: optional)
        put(UInt32(sizeOfHeaders), at: optional + 60)
        put(UInt32(0x1234_5678), at: optional + 64)  // CheckSum: excluded from the hash
        put(UInt32(directories), at: optional + (pe32Plus ? 108 : 92))
        if directories > 4 {
            let entry = optional + (pe32Plus ? 112 : 96) + 32
            put(UInt32(certificateSize == 0 ? 0 : fileSize - certificateSize), at: entry)
            put(UInt32(certificateSize), at: entry + 4)
        }
        let table = optional + optionalSize
        for (index, section) in sections.enumerated() {
            let at = table + 40 * index
            for offset in at..<at + 40 { bytes[offset] = 0 }
            let name = Array(section.name.utf8.prefix(8))
            bytes.replaceSubrange(at..<at + name.count, with: name)
            put(UInt32(section.size), at: at + 8)
            put(UInt32(section.offset), at: at + 12)
            put(UInt32(section.size), at: at + 16)
            put(UInt32(section.offset), at: at + 20)
        }
        if bootProtocol != 0 && fileSize >= 0x500 {
            bytes.replaceSubrange(0x202..<0x206, with: Array("HdrS".utf8))
            put(bootProtocol, at: 0x206)
            bytes[0x210] = 0
            bytes[0x211] = loadFlags
            for offset in 0x212..<0x230 { bytes[offset] = 0 }
            put(initrdAddressMax, at: 0x22c)
            put(xloadFlags, at: 0x236)
            if let kernelVersion {
                put(UInt16(0x200), at: 0x20e)
                let text = Array(kernelVersion.utf8.prefix(200)) + [0]
                bytes.replaceSubrange(0x400..<0x400 + text.count, with: text)
            } else {
                put(UInt16(0), at: 0x20e)
            }
        }
        return bytes
    }
}
