import Foundation
import KataCore
import SwiftProtobuf
import Testing

@testable import TTRPC

@Suite struct ClientServerTests {
    @Test(arguments: TestTransport.allCases)
    func hundredConcurrentCalls(_ transport: TestTransport) async throws {
        let answers = try await withClientAndServer(transport) { client, _ in
            try await withThrowingTaskGroup(of: (Int, String).self) { group in
                for i in 0..<100 {
                    group.addTask {
                        let reply = try await client.call(
                            TestMethods.echo, Google_Protobuf_StringValue("call \(i)"))
                        return (i, reply.value)
                    }
                }
                return try await group.reduce(into: [Int: String]()) { $0[$1.0] = $1.1 }
            }
        }
        #expect(answers.count == 100)
        #expect(answers.allSatisfy { $0.value == "call \($0.key)" })
    }

    @Test(arguments: TestTransport.allCases)
    func deadlineExpires(_ transport: TestTransport) async throws {
        try await withClientAndServer(transport) { client, _ in
            let start = ContinuousClock.now
            await #expect {
                try await client.call(
                    TestMethods.sleep, Google_Protobuf_Int64Value(10_000),
                    options: TTRPCCallOptions(timeout: .milliseconds(200)))
            } throws: { ($0 as? TTRPCError)?.code == .deadlineExceeded }
            #expect(ContinuousClock.now - start < .seconds(5))
            // The connection stays usable after a call timed out.
            let reply = try await client.call(TestMethods.echo, Google_Protobuf_StringValue("ok"))
            #expect(reply.value == "ok")
        }
    }

    @Test(arguments: TestTransport.allCases)
    func cancelledCallReturnsPromptly(_ transport: TestTransport) async throws {
        try await withClientAndServer(transport) { client, _ in
            let call = Task {
                try await client.call(TestMethods.sleep, Google_Protobuf_Int64Value(10_000))
            }
            try await Task.sleep(for: .milliseconds(100))
            let start = ContinuousClock.now
            call.cancel()
            await #expect {
                try await call.value
            } throws: { ($0 as? TTRPCError)?.code == .cancelled }
            #expect(ContinuousClock.now - start < .seconds(2))
            let reply = try await client.call(TestMethods.echo, Google_Protobuf_StringValue("ok"))
            #expect(reply.value == "ok")
        }
    }

    @Test(arguments: TestTransport.allCases)
    func serverDyingMidCallFailsTheCall(_ transport: TestTransport) async throws {
        let started = AsyncStream<Void>.makeStream()
        let services = TestMethods.services(onSleep: { started.continuation.yield() })
        try await withClientAndServer(transport, services: services) { client, server in
            let call = Task {
                try await client.call(TestMethods.sleep, Google_Protobuf_Int64Value(30_000))
            }
            var iterator = started.stream.makeAsyncIterator()
            await iterator.next()
            await server.shutdown()
            await #expect {
                try await call.value
            } throws: { ($0 as? TTRPCError)?.code == .unavailable }
            await #expect {
                try await client.call(TestMethods.echo, Google_Protobuf_StringValue("after"))
            } throws: { ($0 as? TTRPCError)?.code == .unavailable }
        }
    }

    @Test func unknownServiceAndMethodAreUnimplemented() async throws {
        try await withClientAndServer(.socketpair) { client, _ in
            for (service, method) in [("no.such.Service", "Echo"), (TestMethods.service, "NoSuchMethod")] {
                await #expect {
                    try await client.call(
                        service: service, method: method, request: Google_Protobuf_Empty(),
                        responseType: Google_Protobuf_Empty.self)
                } throws: { ($0 as? TTRPCError)?.code == .unimplemented }
            }
        }
    }

    @Test func handlerErrorsKeepTheirCode() async throws {
        try await withClientAndServer(.socketpair) { client, _ in
            await #expect {
                try await client.call(TestMethods.fail, Google_Protobuf_StringValue("container c1"))
            } throws: { error in
                guard let error = error as? TTRPCError else { return false }
                return error.code == .notFound && error.message == "container c1"
                    && error.kataError.code == .notFound
            }
        }
    }

    @Test func metadataReachesTheHandler() async throws {
        let reply = try await withClientAndServer(.socketpair) { client, _ in
            var metadata = TTRPCMetadata()
            metadata.add("who", "shim")
            metadata.add("who", "test")
            return try await client.call(
                TestMethods.metadata, Google_Protobuf_Empty(), options: TTRPCCallOptions(metadata: metadata))
        }
        #expect(reply.value == "shim,test")
    }
}
