import Testing

@testable import KataUUID

/// A deterministic generator (SplitMix64) so the random bits of a v4 UUID can be predicted.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}

/// Always returns the same word, to show which bits the version and variant overwrite.
struct ConstantGenerator: RandomNumberGenerator {
    let word: UInt64
    mutating func next() -> UInt64 { word }
}

@Suite struct KataUUIDRandomTests {
    @Test func versionAndVariantBitsAreSet() {
        for _ in 0..<1000 {
            let uuid = KataUUID.random()
            #expect(uuid.version == 4)
            #expect(uuid.variant == .rfc4122)
            #expect(
                uuid.description[uuid.description.index(uuid.description.startIndex, offsetBy: 14)] == "4")
        }
    }

    @Test func onlyVersionAndVariantBitsAreForced() {
        var ones = ConstantGenerator(word: .max)
        #expect(KataUUID.random(using: &ones).description == "ffffffff-ffff-4fff-bfff-ffffffffffff")
        var zeros = ConstantGenerator(word: 0)
        #expect(KataUUID.random(using: &zeros).description == "00000000-0000-4000-8000-000000000000")
    }

    @Test func seededGeneratorIsReproducible() {
        var first = SplitMix64(state: 42)
        var second = SplitMix64(state: 42)
        let a = (0..<5).map { _ in KataUUID.random(using: &first) }
        let b = (0..<5).map { _ in KataUUID.random(using: &second) }
        #expect(a == b)
        #expect(Set(a).count == 5)
    }

    @Test func systemRandomUUIDsDiffer() {
        let uuids = Set((0..<1000).map { _ in KataUUID.random() })
        #expect(uuids.count == 1000)
    }

    @Test func variantDecoding() throws {
        var bytes = [UInt8](repeating: 0, count: 16)
        bytes[8] = 0x7F
        #expect(try KataUUID(bytes: bytes).variant == .ncs)
        bytes[8] = 0xBF
        #expect(try KataUUID(bytes: bytes).variant == .rfc4122)
        bytes[8] = 0xC0
        #expect(try KataUUID(bytes: bytes).variant == .microsoft)
        bytes[8] = 0xE0
        #expect(try KataUUID(bytes: bytes).variant == .future)
    }
}
