import Foundation
import KataCore
import NIOCore
import SwiftProtobuf
import Testing

@testable import TTRPC

#if canImport(Glibc)
    import Glibc
#endif

/// The methods the tests serve, on well-known protobuf types so no test .proto is needed.
enum TestMethods {
    static let service = "kata.test.Echo"
    static let echo = TTRPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(service, "Echo")
    /// Sleeps for the given milliseconds, ignoring cancellation when asked to (value < 0).
    static let sleep = TTRPCMethod<Google_Protobuf_Int64Value, Google_Protobuf_Empty>(service, "Sleep")
    static let fail = TTRPCMethod<Google_Protobuf_StringValue, Google_Protobuf_Empty>(service, "Fail")
    static let metadata = TTRPCMethod<Google_Protobuf_Empty, Google_Protobuf_StringValue>(service, "Metadata")
    static let count = TTRPCMethod<Google_Protobuf_Int64Value, Google_Protobuf_Int64Value>(
        service, "Count", serverStreaming: true)
    static let sum = TTRPCMethod<Google_Protobuf_Int64Value, Google_Protobuf_Int64Value>(
        service, "Sum", clientStreaming: true)
    static let upper = TTRPCMethod<Google_Protobuf_StringValue, Google_Protobuf_StringValue>(
        service, "Upper", clientStreaming: true, serverStreaming: true)

    static func services(onSleep: @escaping @Sendable () -> Void = {}) -> TTRPCServices {
        var services = TTRPCServices()
        services.register(echo) { request, _ in request }
        services.register(sleep) { request, _ in
            onSleep()
            try await Task.sleep(for: .milliseconds(request.value))
            return Google_Protobuf_Empty()
        }
        services.register(fail) { request, _ in throw KataError(.notFound, request.value) }
        services.register(metadata) { _, context in
            Google_Protobuf_StringValue(context.metadata["who"].joined(separator: ","))
        }
        services.registerStream(count) { stream, _ in
            for try await request in stream.requests {
                for i in 0..<request.value { try await stream.send(Google_Protobuf_Int64Value(i)) }
            }
            return nil
        }
        services.registerStream(sum) { stream, _ in
            var total: Int64 = 0
            for try await request in stream.requests { total += request.value }
            return Google_Protobuf_Int64Value(total)
        }
        services.registerStream(upper) { stream, _ in
            for try await request in stream.requests {
                try await stream.send(Google_Protobuf_StringValue(request.value.uppercased()))
            }
            return nil
        }
        return services
    }
}

/// How the test client reaches the test server.
enum TestTransport: String, CaseIterable, CustomTestStringConvertible {
    case socketpair, unixSocket
    var testDescription: String { rawValue }
}

/// A unique unix socket path short enough for sun_path.
func uniqueSocketPath() -> String {
    "/tmp/ttrpc-\(UUID().uuidString.prefix(12)).sock"
}

func makeSocketPair() throws -> (CInt, CInt) {
    var fds: [CInt] = [-1, -1]
    guard socketpair(AF_UNIX, CInt(SOCK_STREAM.rawValue), 0, &fds) == 0 else {
        throw KataError.system("socketpair", errno: errno)
    }
    return (fds[0], fds[1])
}

/// Runs `body` with a server serving `services` and a client connected to it; both are closed
/// afterwards, on every path.
@discardableResult
func withClientAndServer<T: Sendable>(
    _ transport: TestTransport, services: TTRPCServices = TestMethods.services(),
    _ body: (TTRPCClient, TTRPCServer) async throws -> T
) async throws -> T {
    let server = TTRPCServer(services: services)
    let client: TTRPCClient
    do {
        switch transport {
        case .socketpair:
            let (serverEnd, clientEnd) = try makeSocketPair()
            _ = try await server.serve(connectedSocket: serverEnd)
            client = try await TTRPCClient.adopt(connectedSocket: clientEnd)
        case .unixSocket:
            let path = uniqueSocketPath()
            let listener = try await server.listen(on: .unixSocket(path: path))
            defer { unlink(path) }
            client = try await TTRPCClient.connect(to: .unixSocket(path: path))
            _ = listener
        }
    } catch {
        await server.shutdown()
        throw error
    }
    do {
        let result = try await body(client, server)
        await client.close()
        await server.shutdown()
        return result
    } catch {
        await client.close()
        await server.shutdown()
        throw error
    }
}
