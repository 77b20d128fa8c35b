import KataCore
import Testing

@testable import KataUUID

@Suite struct KataUUIDGUIDTests {
    /// OVMF footer table GUID, as stored in the last bytes of OVMF.fd.
    @Test func ovmfFooterGUIDLayout() throws {
        let uuid = try KataUUID(parsing: "96b582de-1fb2-45f7-baea-a366c55a082d")
        let onDisk: [UInt8] = [
            0xde, 0x82, 0xb5, 0x96, 0xb2, 0x1f, 0xf7, 0x45,
            0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d,
        ]
        #expect(uuid.guidBytes == onDisk)
        #expect(try KataUUID(guidBytes: onDisk) == uuid)
    }

    /// SEV metadata GUID used by OVMF (dc886566-984a-4798-a75e-5585a7bf67cc).
    @Test func sevMetadataGUIDLayout() throws {
        let onDisk: [UInt8] = [
            0x66, 0x65, 0x88, 0xdc, 0x4a, 0x98, 0x98, 0x47,
            0xa7, 0x5e, 0x55, 0x85, 0xa7, 0xbf, 0x67, 0xcc,
        ]
        #expect(try KataUUID(guidBytes: onDisk).description == "dc886566-984a-4798-a75e-5585a7bf67cc")
    }

    @Test func guidRoundTripOfRandomUUIDs() throws {
        for _ in 0..<100 {
            let uuid = KataUUID.random()
            #expect(try KataUUID(guidBytes: uuid.guidBytes) == uuid)
            #expect(try KataUUID(bytes: uuid.bytes) == uuid)
            #expect(try KataUUID(parsing: uuid.description) == uuid)
            #expect(uuid.guidBytes[8...] == uuid.bytes[8...])
        }
    }
}
