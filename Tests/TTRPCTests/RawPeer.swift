import Foundation
import KataCore
import NIOCore
import SwiftProtobuf

@testable import TTRPC

#if canImport(Glibc)
    import Glibc
#endif

/// The far end of a socketpair driven by hand, to send what a well-behaved client never would.
final class RawPeer {
    let fd: CInt
    private var reader = FrameReader()

    init(fd: CInt) { self.fd = fd }
    deinit { close(fd) }

    func send(_ bytes: [UInt8]) throws {
        let written = bytes.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        guard written == bytes.count else { throw KataError.system("write to raw peer", errno: errno) }
    }

    func send(_ frame: Frame) throws {
        var buffer = ByteBuffer()
        try frame.encode(into: &buffer)
        try send(Array(buffer: buffer))
    }

    func sendRequest(id: UInt32, service: String, method: String, payload: some SwiftProtobufMessage) throws {
        var request = Ttrpc_Request()
        request.service = service
        request.method = method
        request.payload = try payload.serializedData()
        try send(
            Frame(
                streamID: id, type: .request,
                payload: ByteBuffer(bytes: try request.serializedBytes() as [UInt8])))
    }

    /// The next frame, or nil once the other side closed the connection. Fails after `timeout`.
    /// Polls without blocking: a blocked thread would starve Swift's cooperative pool, which the
    /// server under test needs. The generous default is for the parallel unit-test run, where
    /// other suites' synchronous subprocess waits (sev-snp-measure) can hold both pool threads.
    func nextFrame(timeout: Duration = .seconds(30)) async throws -> Frame? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let frame = try reader.next() { return frame }
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard ContinuousClock.now < deadline, poll(&poller, 1, 0) >= 0 else {
                throw KataError(.timeout, "raw peer: no frame within \(timeout)")
            }
            guard poller.revents != 0 else {
                try await Task.sleep(for: .milliseconds(2))
                continue
            }
            var chunk = [UInt8](repeating: 0, count: 4096)
            let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if count <= 0 { return nil }
            reader.append(Array(chunk[..<count]))
        }
    }

    /// The status of the next response frame on `id`.
    func nextStatus(on id: UInt32) async throws -> TTRPCStatusCode? {
        guard let frame = try await nextFrame(), frame.type == .response, frame.streamID == id else {
            return nil
        }
        let response = try Ttrpc_Response(serializedBytes: Array(buffer: frame.payload))
        return TTRPCStatusCode(wireValue: response.status.code)
    }
}

typealias SwiftProtobufMessage = SwiftProtobuf.Message
