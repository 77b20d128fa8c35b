import KataCore

/// The x86 Linux boot-protocol header of a bzImage (Documentation/arch/x86/boot.rst): the fields
/// a loader patches and the kernel's version string.
public struct LinuxSetupHeader: Sendable, Equatable {
    /// 0 when the image has no "HdrS" header (a pre-2.00 kernel or not a kernel).
    public let protocolVersion: UInt16
    public let loadFlags: UInt8
    /// Valid from protocol 2.12.
    public let xloadFlags: UInt16
    /// initrd_addr_max, valid from protocol 2.03.
    public let initrdAddressMax: UInt32
    /// The kernel_version string ("6.1.0-57-amd64 (debian-kernel@...) #1 SMP ..."), if any.
    public let kernelVersion: String?

    public static func read(_ file: FileReader) throws -> LinuxSetupHeader {
        guard file.size >= 0x240 else {
            throw KataError(
                .malformedInput, "\(file.path): \(file.size) bytes, too short for a Linux setup header")
        }
        let header = ByteReader(
            try file.read(at: 0, count: 0x240, what: "Linux setup header"), path: file.path, baseOffset: 0)
        guard header.bytes[0x202..<0x206].elementsEqual("HdrS".utf8) else {
            return LinuxSetupHeader(
                protocolVersion: 0, loadFlags: header.bytes[0x211], xloadFlags: 0, initrdAddressMax: 0,
                kernelVersion: nil)
        }
        let version = try header.uint16(at: 0x206, what: "boot protocol version")
        let pointer = Int(try header.uint16(at: 0x20e, what: "kernel_version pointer"))
        var text: String? = nil
        if pointer != 0, pointer + 0x200 < file.size {
            let start = pointer + 0x200
            let bytes = try file.read(
                at: start, count: min(256, file.size - start), what: "kernel_version string")
            text = String(decoding: bytes.prefix { $0 != 0 }, as: UTF8.self)
        }
        return LinuxSetupHeader(
            protocolVersion: version, loadFlags: header.bytes[0x211],
            xloadFlags: version >= 0x20c ? try header.uint16(at: 0x236, what: "xloadflags") : 0,
            initrdAddressMax: version >= 0x203 ? try header.uint32(at: 0x22c, what: "initrd_addr_max") : 0,
            kernelVersion: text)
    }

    /// Major and minor release from the version string ("6.1.0-57-amd64 ..." → (6, 1)).
    public var release: (major: Int, minor: Int)? {
        guard let kernelVersion else { return nil }
        let numbers = kernelVersion.prefix { $0.isNumber || $0 == "." }.split(separator: ".")
        guard numbers.count >= 2, let major = Int(numbers[0]), let minor = Int(numbers[1]) else { return nil }
        return (major, minor)
    }
}
