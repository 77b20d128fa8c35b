import Testing

@testable import TTRPC

@Suite struct ClientStreamTableTests {
    @Test func streamIdsAreOddAndIncreasing() throws {
        var table = ClientStreamTable<String>()
        let ids = try ["a", "b", "c", "d"].map { waiter throws(TTRPCError) in try table.open(waiter) }
        #expect(ids == [1, 3, 5, 7])
        #expect(table.waiter(5) == "c")
    }

    @Test func aStreamEndsOnce() throws {
        var table = ClientStreamTable<String>()
        let id = try table.open("caller")
        #expect(table.remove(id) == "caller")
        // A late deadline or cancellation finds nothing to fail.
        #expect(table.remove(id) == nil)
        #expect(table.openStreams == 0)
    }

    @Test func closingFailsWaitersAndLaterCalls() throws {
        var table = ClientStreamTable<String>()
        _ = try table.open("a")
        _ = try table.open("b")
        let failed = table.close(TTRPCError(.unavailable, "gone"))
        #expect(failed.sorted() == ["a", "b"])
        #expect(table.openStreams == 0)
        #expect(throws: TTRPCError(.unavailable, "gone")) { try table.open("c") }
    }

    @Test func idsRunOutInsteadOfWrapping() throws {
        var table = ClientStreamTable<String>(firstStreamID: UInt32.max - 2)
        #expect(try table.open("last") == UInt32.max - 2)
        #expect { try table.open("one too many") } throws: { ($0 as? TTRPCError)?.code == .resourceExhausted }
    }
}
