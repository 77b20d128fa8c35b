import KataCore

/// A firmware image (OVMF, TDVF or an SVSM binary) opened for measurement: the file, its footer
/// table, and where it sits below `endAddress` in guest-physical memory.
public struct FirmwareImage: Sendable {
    public static let fourGiB = 0x1_0000_0000

    public let file: FileReader
    public let table: FooterTable
    /// Guest-physical address of the first byte (negative when the image cannot fit below `endAddress`).
    public let gpa: Int

    public var path: String { file.path }
    public var size: Int { file.size }

    /// Opens and parses the footer table; firmware is mapped to end at 4 GiB unless told otherwise.
    public init(path: String, endAddress: Int = fourGiB) throws {
        try self.init(file: FileReader(path: path), endAddress: endAddress)
    }

    /// Parses an input already opened (a pipe can be read only once, so callers that also
    /// report the image's digest open it once and pass it here).
    public init(file: FileReader, endAddress: Int = fourGiB) throws {
        self.file = file
        table = try FooterTable.parse(file)
        let (gpa, overflow) = endAddress.subtractingReportingOverflow(file.size)
        guard !overflow else {
            throw KataError(.invalidArgument, "\(file.path): image cannot end at address \(endAddress)")
        }
        self.gpa = gpa
    }

    /// The "ASEV" metadata sections, parsed on demand.
    public func sevMetadata() throws -> [SEVMetadataSection] {
        try SEVMetadata.parse(file, table: table)
    }

    /// The SEV kernel-hashes table can be filled only when the firmware reserves a non-zero GPA.
    public var supportsSEVHashTable: Bool {
        (table.sevHashTableGPA ?? 0) != 0
    }

    /// EIP where application processors start, from the SEV-ES reset block.
    public func sevESResetEIP() throws -> UInt32 {
        guard let eip = table.sevESResetEIP else {
            throw KataError(
                .malformedInput,
                "\(path): the OVMF footer table has no SEV-ES reset block entry (\(FirmwareGUID.sevESResetBlock))"
            )
        }
        return eip
    }
}
