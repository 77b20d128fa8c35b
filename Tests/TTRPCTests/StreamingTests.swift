import SwiftProtobuf
import Testing

@testable import TTRPC

@Suite struct StreamingTests {
    @Test func serverStreamsResults() async throws {
        let values = try await withClientAndServer(.unixSocket) { client, _ in
            let stream = try await client.openStream(
                TestMethods.count, request: Google_Protobuf_Int64Value(5))
            var values: [Int64] = []
            for try await value in stream.responses { values.append(value.value) }
            return values
        }
        #expect(values == [0, 1, 2, 3, 4])
    }

    @Test func clientStreamsRequests() async throws {
        let total = try await withClientAndServer(.socketpair) { client, _ in
            let stream = try await client.openStream(TestMethods.sum)
            for value in [1, 2, 3, 4] as [Int64] { try await stream.send(Google_Protobuf_Int64Value(value)) }
            try await stream.closeSend()
            var results: [Int64] = []
            for try await result in stream.responses { results.append(result.value) }
            return results
        }
        #expect(total == [10])
    }

    @Test func bothSidesStream() async throws {
        let replies = try await withClientAndServer(.socketpair) { client, _ in
            let stream = try await client.openStream(TestMethods.upper)
            var replies: [String] = []
            var iterator = stream.responses.makeAsyncIterator()
            for word in ["kata", "swift"] {
                try await stream.send(Google_Protobuf_StringValue(word))
                replies.append(try #require(try await iterator.next()).value)
            }
            try await stream.closeSend()
            #expect(try await iterator.next() == nil)
            return replies
        }
        #expect(replies == ["KATA", "SWIFT"])
    }
}
