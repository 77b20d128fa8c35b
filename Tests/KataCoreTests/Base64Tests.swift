import Foundation
import KataCore
import Testing

/// KataCore's base64 against Foundation's (an independent implementation), both ways.
@Suite struct Base64Tests {
    @Test func roundTripsEveryLengthAgainstFoundation() {
        var generator = SystemRandomNumberGenerator()
        for count in 0..<70 {
            let bytes = (0..<count).map { _ in UInt8.random(in: 0...255, using: &generator) }
            let text = Base64.encode(bytes)
            #expect(text == Data(bytes).base64EncodedString())
            if count > 0 { #expect(Base64.decode(text) == bytes) }
        }
    }

    /// Only padded standard base64, one encoding per byte string.
    @Test(arguments: [
        "", "QQ", "QQ=", "Q===", "QQ==\n", " QQ==", "QQ==QQ==", "-_8=", "QR==", "QUI=QQ==", "QUJ=",
    ])
    func refusesAnythingElse(_ text: String) {
        #expect(Base64.decode(text) == nil, "\(text.debugDescription) accepted")
    }
}
