import Foundation
import Initdata
import Testing

@Suite struct InitdataDiskTests {
    /// "initdata", the gzip length u64 little-endian, the gzip bytes, zeros to 512.
    @Test(arguments: [0, 1, 495, 496, 497, 1000])
    func imageLayoutIsByteExact(_ count: Int) {
        let gzip = (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 7 &+ 1) }
        let image = InitdataDisk.image(gzip: gzip)
        let expectedSize = (16 + count + 511) / 512 * 512
        #expect(image.count == expectedSize)
        #expect(Array(image[0..<8]) == Array("initdata".utf8))
        let length = (0..<8).reduce(UInt64(0)) { $0 | UInt64(image[8 + $1]) << (8 * UInt64($1)) }
        #expect(length == UInt64(count))
        #expect(Array(image[16..<(16 + count)]) == gzip)
        #expect(image[(16 + count)...].allSatisfy { $0 == 0 })
        #expect(InitdataDisk.claimedLength(header: Array(image.prefix(16))) == UInt64(count))
    }

    @Test func lengthIsLittleEndian() {
        let image = InitdataDisk.image(gzip: [UInt8](repeating: 0xaa, count: 0x0102))
        #expect(Array(image[8..<16]) == [0x02, 0x01, 0, 0, 0, 0, 0, 0])
    }

    @Test func otherDisksAreNotInitdata() {
        #expect(InitdataDisk.claimedLength(header: [UInt8](repeating: 0, count: 16)) == nil)
        #expect(InitdataDisk.claimedLength(header: Array("initdat".utf8)) == nil)
    }
}
