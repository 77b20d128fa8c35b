import Foundation
import KataCore
import Testing

@testable import KataUUID

@Suite struct KataUUIDParsingTests {
    @Test func parsesCanonicalFormAndFormatsLowercase() throws {
        let uuid = try KataUUID(parsing: "96B582DE-1FB2-45F7-BAEA-A366C55A082D")
        #expect(uuid.description == "96b582de-1fb2-45f7-baea-a366c55a082d")
        #expect(
            uuid.bytes == [
                0x96, 0xb5, 0x82, 0xde, 0x1f, 0xb2, 0x45, 0xf7,
                0xba, 0xea, 0xa3, 0x66, 0xc5, 0x5a, 0x08, 0x2d,
            ])
    }

    @Test func stringRoundTrip() throws {
        let text = "00112233-4455-6677-8899-aabbccddeeff"
        #expect(try KataUUID(parsing: text).description == text)
        #expect(KataUUID(text)?.description == text)
        #expect(KataUUID.zero.description == "00000000-0000-0000-0000-000000000000")
    }

    @Test(arguments: [
        ("", "got 0"),
        ("96b582de-1fb2-45f7-baea-a366c55a082", "got 35"),
        ("{96b582de-1fb2-45f7-baea-a366c55a082d}", "got 38"),
        ("96b582de1-fb2-45f7-baea-a366c55a082d", "expected '-' at position 8"),
        ("96b582de-1fb2-45f7-baea_a366c55a082d", "expected '-' at position 23"),
        ("96b582dg-1fb2-45f7-baea-a366c55a082d", "invalid hex digit 'g' at position 7"),
        ("96b582de-1fb2-45f7-baea-a366c55a082 ", "invalid hex digit ' ' at position 35"),
    ])
    func rejectsBadInputNamingTheProblem(input: String, problem: String) {
        do {
            _ = try KataUUID(parsing: input)
            Issue.record("parsed \(input)")
        } catch let error as KataError {
            #expect(error.code == .malformedInput)
            #expect(error.message.contains(problem), "\(error.message)")
        } catch {
            Issue.record("unexpected error \(error)")
        }
        #expect(KataUUID(input) == nil)
    }

    @Test func rejectsNonASCIIInput() {
        // "é" is two UTF-8 bytes, so the length check counts bytes, never characters.
        #expect(throws: KataError.self) {
            try KataUUID(parsing: "96b582de-1fb2-45f7-baea-a366c55a08é")
        }
    }

    @Test func rejectsWrongByteCounts() {
        #expect(throws: KataError.self) { try KataUUID(bytes: [UInt8](repeating: 1, count: 15)) }
        #expect(throws: KataError.self) { try KataUUID(guidBytes: [UInt8](repeating: 1, count: 17)) }
    }

    @Test func codableUsesCanonicalString() throws {
        let uuid = try KataUUID(parsing: "96b582de-1fb2-45f7-baea-a366c55a082d")
        let json = try JSONEncoder().encode([uuid])
        #expect(String(decoding: json, as: UTF8.self) == #"["96b582de-1fb2-45f7-baea-a366c55a082d"]"#)
        #expect(try JSONDecoder().decode([KataUUID].self, from: json) == [uuid])
        #expect(throws: KataError.self) {
            try JSONDecoder().decode([KataUUID].self, from: Data(#"["not-a-uuid"]"#.utf8))
        }
    }
}
