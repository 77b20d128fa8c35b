import GuestAgent
import KataCore
import OCI
import OCIProtobuf
import Protocols
import TTRPC

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension AgentService {
    enum Stream { case stdout, stderr }

    /// The largest read answered at once, so a response stays far below ttrpc's frame limit.
    static let maxReadBytes = 1 << 20
    /// How long an exit or a removal waits for a GetOOMEvent caller to take the container's kill.
    static let oomHandOver: Duration = .seconds(1)

    func execProcess(_ request: Grpc_ExecProcessRequest) async throws {
        let process = Process(request.process)
        try await registry.exec(
            id: request.containerID, execID: request.execID,
            processJSON: [UInt8](try JSONEncoder().encode(process)), terminal: process.terminal ?? false)
    }

    func signalProcess(_ request: Grpc_SignalProcessRequest) async throws {
        let signal = try SignalNumber.validate(request.signal, field: "signal")
        try await registry.signal(id: request.containerID, execID: request.execID, signal: signal)
    }

    func waitProcess(_ request: Grpc_WaitProcessRequest) async throws -> Grpc_WaitProcessResponse {
        let process = try await registry.process(id: request.containerID, execID: request.execID)
        let status = await process.waitForExit()
        // An OOM kill of the container reaches the host before its exit does (see OOMMonitor).
        if request.execID.isEmpty { await oom.check(request.containerID, limit: Self.oomHandOver) }
        // The host has the exit code: the exec's record goes once its output is read out too.
        process.markWaited()
        return .with { $0.status = status }
    }

    func writeStdin(_ request: Grpc_WriteStreamRequest) async throws -> Grpc_WriteStreamResponse {
        let process = try await registry.process(id: request.containerID, execID: request.execID)
        // A short count when the pipe is full; the host sends the rest again (as write(2)).
        let written = try await process.writeStdin([UInt8](request.data))
        return .with { $0.len = UInt32(clamping: written) }
    }

    /// Output as it comes; once a stream has ended and every byte was read, the call fails
    /// with OutOfRange ("read past the end"), which the host client reports as end of stream.
    func read(_ stream: Stream, _ request: Grpc_ReadStreamRequest) async throws -> Grpc_ReadStreamResponse {
        let process = try await registry.process(id: request.containerID, execID: request.execID)
        let what = "\(request.containerID)/\(request.execID.isEmpty ? "init" : request.execID)"
        let buffer = stream == .stdout ? process.stdout : process.stderr
        let limit = min(Int(request.len == 0 ? UInt32(Self.maxReadBytes) : request.len), Self.maxReadBytes)
        guard let buffer, let bytes = await buffer.read(maxBytes: limit) else {
            throw TTRPCError(.outOfRange, "\(what): end of \(stream)")
        }
        return .with { $0.data = Data(bytes) }
    }

    func closeStdin(_ request: Grpc_CloseStdinRequest) async throws {
        try await registry.process(id: request.containerID, execID: request.execID).closeStdin()
    }

    func resizeTerminal(_ request: Grpc_TtyWinResizeRequest) async throws {
        let process = try await registry.process(id: request.containerID, execID: request.execID)
        try process.resizeTerminal(
            rows: UInt16(clamping: request.row), columns: UInt16(clamping: request.column))
    }
}
