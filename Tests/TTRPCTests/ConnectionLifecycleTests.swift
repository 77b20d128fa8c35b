import Foundation
import KataCore
import SwiftProtobuf
import Testing

@testable import TTRPC

@Suite struct ConnectionLifecycleTests {
    @Test func clientGoingAwayCancelsItsHandlers() async throws {
        let (started, startedSignal) = AsyncStream<Void>.makeStream()
        let (cancelled, cancelledSignal) = AsyncStream<Void>.makeStream()
        var services = TTRPCServices()
        services.register(TestMethods.sleep) { _, _ in
            startedSignal.yield()
            await withTaskCancellationHandler {
                try? await Task.sleep(for: .seconds(60))
            } onCancel: {
                cancelledSignal.yield()
            }
            return Google_Protobuf_Empty()
        }
        try await withClientAndServer(.socketpair, services: services) { client, _ in
            let call = Task { try await client.call(TestMethods.sleep, Google_Protobuf_Int64Value(0)) }
            var startedIterator = started.makeAsyncIterator()
            await startedIterator.next()
            await client.close()
            var cancelledIterator = cancelled.makeAsyncIterator()
            await cancelledIterator.next()
            await #expect {
                try await call.value
            } throws: { ($0 as? TTRPCError)?.code == .unavailable }
        }
    }

    @Test func unreachableEndpointsFailWithTheirName() async throws {
        let path = uniqueSocketPath()
        await #expect {
            try await TTRPCClient.connect(to: .unixSocket(path: path))
        } throws: { error in
            guard let error = error as? KataError else { return false }
            return error.code == .system && error.message.contains("unix:\(path)")
        }
        // No vsock transport on this machine (nor a guest at CID 3): the error names the address.
        await #expect {
            try await TTRPCClient.connect(to: .vsock(cid: 3, port: 1024))
        } throws: { error in
            guard let error = error as? KataError else { return false }
            return error.code == .system && error.message.contains("vsock:3:1024")
        }
    }
}
