import GuestAgent
import KataAgentService
import KataCore
import TTRPC
import Testing

@testable import Agent

#if canImport(Glibc)
    import Glibc
#endif

@Suite struct AgentAddressTests {
    @Test func parsesTheThreeTransports() throws {
        #expect(try AgentAddress(parsing: "vsock://3:1024") == .vsock(cid: 3, port: 1024))
        #expect(
            try AgentAddress(parsing: "hvsock:///run/vc/kata.hvsock:1024")
                == .hybridVsock(socketPath: "/run/vc/kata.hvsock", port: 1024))
        #expect(
            try AgentAddress(parsing: "unix:///run/vc/agent.sock")
                == .serialSocket(path: "/run/vc/agent.sock"))
        #expect(AgentAddress.vsock(cid: 3, port: 1024).description == "vsock://3:1024")
    }

    @Test func rejectsMalformedAddresses() {
        for text in [
            "vsock://x:1", "vsock://3", "hvsock://relative:1", "tcp://1.2.3.4:5", "unix://relative", "",
        ] {
            #expect(throws: KataError.self, "\(text)") { try AgentAddress(parsing: text) }
        }
    }

    /// A unix socket speaking the hybrid-vsock protocol in front of a real agent service (as
    /// Firecracker's or Cloud Hypervisor's vsock muxer would; neither exists on this host).
    @Test func hybridVsockHandshakeThenTTRPC() async throws {
        let path = "/tmp/kata-hvsock-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try listen(path)
        defer {
            close(listener)
            unlink(path)
        }
        let server = TTRPCServer(services: AgentService(reaper: ChildReaper(mode: .trackedOnly)).services())
        let muxer = Task.detached { () -> String in
            let fd = accept(listener, nil, nil)
            let line = try HybridVsock.readLine(fd, what: "test muxer")
            try UnixSocket.writeAll(fd, Array("OK 1073741824\n".utf8))
            _ = try await server.serve(connectedSocket: fd)
            return line
        }
        let agent = try await TTRPCAgent.connect(
            to: .hybridVsock(socketPath: path, port: 1024), dialTimeout: .seconds(10))
        #expect(try await muxer.value == "CONNECT 1024")
        #expect(try await agent.version().agentVersion == AgentService.version)
        await agent.close()
        await server.shutdown()
    }

    @Test func refusedHandshakeFailsAtTheDialTimeout() async throws {
        let path = "/tmp/kata-hvsock-\(UInt32.random(in: 0...UInt32.max)).sock"
        let listener = try listen(path)
        defer {
            close(listener)
            unlink(path)
        }
        let muxer = Task.detached {
            let fd = accept(listener, nil, nil)
            _ = try? HybridVsock.readLine(fd, what: "test muxer")
            try? UnixSocket.writeAll(fd, Array("ERR no such port\n".utf8))
            close(fd)
        }
        let started = ContinuousClock.now
        await #expect {
            _ = try await TTRPCAgent.connect(
                to: .hybridVsock(socketPath: path, port: 1024), dialTimeout: .milliseconds(300))
        } throws: { ($0 as? KataError)?.code == .timeout }
        #expect(ContinuousClock.now - started < .seconds(5))
        await muxer.value
    }
}

private func listen(_ path: String) throws -> Int32 {
    let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
    var address = sockaddr_un()
    address.sun_family = sa_family_t(AF_UNIX)
    withUnsafeMutableBytes(of: &address.sun_path) { raw in
        raw.copyBytes(from: Array(path.utf8))
    }
    let bound = withUnsafePointer(to: &address) {
        $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size))
        }
    }
    guard bound == 0, Glibc.listen(fd, 4) == 0 else { throw KataError.system("listen \(path)", errno: errno) }
    return fd
}
