import KataCore
import Testing

@Suite struct IdentifierTests {
    @Test(arguments: ["a", "abc123", "a.b", "a_b-c.d", "sandbox-1", String(repeating: "x", count: 76)])
    func accepted(_ id: String) throws {
        #expect(Identifier.problem(id) == nil)
        try Identifier.validate(id, field: "id")
    }

    @Test(arguments: [
        "", ".", "..", "../x", "a/b", "/abs", "-a", "a-", "a..b", "a b", "a\u{0}b", "é",
        "a\nb", ".hidden", String(repeating: "x", count: 77),
    ])
    func refused(_ id: String) {
        #expect(Identifier.problem(id) != nil)
        #expect {
            try Identifier.validate(id, field: "io.kubernetes.cri.sandbox-id")
        } throws: { error in
            guard let error = error as? KataError else { return false }
            return error.code == .invalidArgument && error.message.hasPrefix("io.kubernetes.cri.sandbox-id")
        }
    }

    @Test func controlCharactersAreEscapedInMessages() {
        let error = #expect(throws: KataError.self) { try Identifier.validate("a\nb", field: "id") }
        #expect(error?.message.contains("\\n") == true)
    }

    @Test func signals() throws {
        #expect(try SignalNumber.validate(9, field: "signal") == 9)
        #expect(try SignalNumber.validate(64, field: "signal") == 64)
        for bad: UInt32 in [0, 65, 2_147_483_648, UInt32.max] {
            #expect(throws: KataError.self) { try SignalNumber.validate(bad, field: "signal") }
        }
    }
}
