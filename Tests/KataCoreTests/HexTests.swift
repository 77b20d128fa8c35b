import Testing

@testable import KataCore

@Suite struct HexTests {
    @Test func everyByteRoundTrips() {
        let bytes = (0...255).map { UInt8($0) }
        let text = Hex.encode(bytes)
        #expect(text.count == 512)
        #expect(text.hasPrefix("000102") && text.hasSuffix("fdfeff"))
        #expect(Hex.decode(text) == bytes)
        #expect(Hex.decode(text.uppercased()) == bytes)
    }

    @Test func malformedTextIsRefused() {
        #expect(Hex.decode("abc") == nil)
        #expect(Hex.decode("0g") == nil)
        #expect(Hex.decode(" 00") == nil)
        #expect(Hex.decode("é0") == nil)
        #expect(Hex.decode("") == [])
    }

    @Test func digitsAndSingleBytes() {
        #expect(Hex.value(UInt8(ascii: "F")) == 15)
        #expect(Hex.value(UInt8(ascii: "a")) == 10)
        #expect(Hex.value(UInt8(ascii: "/")) == nil)
        #expect(Hex.byte(0x0a) == "0a")
    }
}
