import Foundation
import NIOCore
import SwiftProtobuf
import Testing

@testable import TTRPC

/// A misbehaving peer affects only its own connection or stream.
@Suite struct ServerRobustnessTests {
    /// Runs `body` with a well-behaved client and a raw peer connected to the same server.
    func withPeers(_ body: (TTRPCClient, RawPeer) async throws -> Void) async throws {
        let server = TTRPCServer(services: TestMethods.services())
        let (serverA, clientA) = try makeSocketPair()
        let (serverB, rawB) = try makeSocketPair()
        let peer = RawPeer(fd: rawB)
        _ = try await server.serve(connectedSocket: serverA)
        _ = try await server.serve(connectedSocket: serverB)
        let client = try await TTRPCClient.adopt(connectedSocket: clientA)
        do {
            try await body(client, peer)
        } catch {
            await client.close()
            await server.shutdown()
            throw error
        }
        await client.close()
        await server.shutdown()
    }

    @Test func oversizeFrameClosesOnlyThatConnection() async throws {
        try await withPeers { client, peer in
            let slow = Task { try await client.call(TestMethods.sleep, Google_Protobuf_Int64Value(300)) }
            try peer.send([0x00, 0x40, 0x00, 0x01, 0, 0, 0, 1, 1, 0])  // 4 MiB + 1
            #expect(try await peer.nextFrame() == nil)
            _ = try await slow.value
            let reply = try await client.call(TestMethods.echo, Google_Protobuf_StringValue("still here"))
            #expect(reply.value == "still here")
        }
    }

    @Test func badStreamsAreAnsweredWithInvalidArgument() async throws {
        try await withPeers { _, peer in
            let echo = Google_Protobuf_StringValue("x")
            try peer.sendRequest(id: 2, service: TestMethods.service, method: "Echo", payload: echo)
            #expect(try await peer.nextStatus(on: 2) == .invalidArgument)
            try peer.send(Frame(streamID: 1, type: .request, payload: ByteBuffer(bytes: [0xff, 0xff, 0xff])))
            #expect(try await peer.nextStatus(on: 1) == .invalidArgument)
            try peer.send(Frame(streamID: 9, type: .data, payload: ByteBuffer(string: "orphan")))
            #expect(try await peer.nextStatus(on: 9) == .invalidArgument)
            try peer.sendRequest(id: 11, service: TestMethods.service, method: "Echo", payload: echo)
            #expect(try await peer.nextStatus(on: 11) == .ok)
            try peer.sendRequest(id: 11, service: TestMethods.service, method: "Echo", payload: echo)
            #expect(try await peer.nextStatus(on: 11) == .invalidArgument)
        }
    }

    @Test func unknownFrameTypesAreSkipped() async throws {
        try await withPeers { _, peer in
            try peer.send(
                Frame(streamID: 1, type: FrameType(rawValue: 0x42), payload: ByteBuffer(string: "future")))
            try peer.sendRequest(
                id: 3, service: TestMethods.service, method: "Echo", payload: Google_Protobuf_StringValue("y")
            )
            let frame = try #require(try await peer.nextFrame())
            let response = try Ttrpc_Response(serializedBytes: Array(buffer: frame.payload))
            #expect(frame.streamID == 3 && response.status.code == 0)
            #expect(try Google_Protobuf_StringValue(serializedBytes: response.payload).value == "y")
        }
    }

    @Test func serverDeadlineAnswersWithoutWaitingForTheHandler() async throws {
        try await withPeers { _, peer in
            var request = Ttrpc_Request()
            request.service = TestMethods.service
            request.method = "Sleep"
            request.payload = try Google_Protobuf_Int64Value(10_000).serializedData()
            request.timeoutNano = 100_000_000
            let start = ContinuousClock.now
            try peer.send(
                Frame(
                    streamID: 1, type: .request,
                    payload: ByteBuffer(bytes: try request.serializedBytes() as [UInt8])))
            #expect(try await peer.nextStatus(on: 1) == .deadlineExceeded)
            #expect(ContinuousClock.now - start < .seconds(3))
        }
    }
}
