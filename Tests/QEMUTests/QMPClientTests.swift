import Foundation
import KataCore
import NIOCore
import NIOPosix
import Testing

@testable import QEMU

/// The typed QMP commands against a real, paused QEMU (no guest needed for these).
@Suite struct QMPClientTests {
    @Test func hotplugAndSEVQueriesOnRealQEMU() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        var commandLine = try guest.commandLine(bootKernel: false, startPaused: true)
        commandLine.devices = [VirtioSerial(id: "serial0")]
        let instance = try await QEMUInstance.launch(commandLine, runDirectory: guest.runDirectory)
        do {
            let qmp = instance.qmp
            #expect(qmp.greeting.version.major == 7)
            // A virtserialport unplugs without guest help, so DEVICE_DELETED comes at once.
            try await qmp.chardevAdd(id: "port-chr", backend: ["type": "null", "data": .object([:])])
            try await qmp.deviceAdd(
                driver: "virtserialport", id: "port1",
                properties: ["chardev": "port-chr", "name": "test.port"])
            try await qmp.deviceDel(id: "port1", timeout: .seconds(5))
            try await qmp.chardevRemove(id: "port-chr")

            try await qmp.blockdevAdd(["driver": "null-co", "node-name": "null0", "size": 1_048_576])
            try await qmp.blockdevDel(nodeName: "null0")
            try await qmp.netdevAdd(type: "user", id: "user0")
            try await qmp.netdevDel(id: "user0")

            // Errors QEMU answers with are `.remote`; the connection stays usable.
            for failing: @Sendable () async throws -> Void in [
                { try await qmp.deviceDel(id: "no-such-device") },
                { try await qmp.execute("no-such-command") },
                { _ = try await qmp.querySEVCapabilities() },
                { _ = try await qmp.querySEVLaunchMeasure() },
                { _ = try await qmp.querySEVAttestationReport(nonce: "AAAAAAAAAAAAAAAAAAAAAA==") },
                { try await qmp.sevInjectLaunchSecret(packetHeader: "AA==", secret: "AA==") },
            ] {
                let error = await #expect(throws: KataError.self) { try await failing() }
                #expect(error?.code == .remote)
            }
            // Without SEV, QEMU 7.2 still answers query-sev: disabled, uninitialised.
            let sev = try await qmp.querySEV()
            #expect(!sev.enabled && sev.state == "uninit" && sev.handle == 0)
            #expect(try await qmp.queryStatus().status == "prelaunch")
        } catch {
            await instance.stop()
            throw error
        }
        #expect(await instance.stop() == .exited(0))
        TestGuest.expectGone(instance)
    }

    /// A peer that is not QEMU: it greets, then answers with broken JSON. The client must fail
    /// the command with `.malformedInput`, not hang. (Real QEMU never sends malformed JSON.)
    @Test func malformedReplyFromPeerFailsTheCommand() async throws {
        let guest = try TestGuest()
        defer { guest.cleanUp() }
        let socketPath = guest.directory.appendingPathComponent("peer.sock").path
        let server = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(BrokenPeer())
                }
            }
            .bind(unixDomainSocketPath: socketPath).get()
        let client = try await QMPClient.connect(socketPath: socketPath, timeout: .seconds(5))
        let error = await #expect(throws: KataError.self) { try await client.execute("query-status") }
        #expect(error?.code == .malformedInput)
        await client.close()
        try await server.close()
    }
}

/// Greets like QEMU, accepts capabilities, then replies to anything with a truncated object.
private final class BrokenPeer: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelActive(context: ChannelHandlerContext) {
        send(
            #"{"QMP": {"version": {"qemu": {"micro": 0, "minor": 2, "major": 7}, "package": ""}, "capabilities": []}}"#,
            context)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let text = String(buffer: unwrapInboundIn(data))
        send(
            text.contains("qmp_capabilities")
                ? #"{"return": {}, "id": "qmp-capabilities"}"# : #"{"return": {"#, context)
    }

    private func send(_ line: String, _ context: ChannelHandlerContext) {
        context.writeAndFlush(wrapOutboundOut(ByteBuffer(string: line + "\r\n")), promise: nil)
    }
}
