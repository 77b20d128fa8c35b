import Foundation
import Protocols
import SwiftProtobuf
import Testing

@testable import TTRPC

/// Talks to a real containerd (Debian's 1.6), started privately for the test.
@Suite struct ContainerdInteropTests {
    static func config(_ dir: String) -> String {
        """
        version = 2
        root = "\(dir)/root"
        state = "\(dir)/state"
        disabled_plugins = ["io.containerd.grpc.v1.cri"]
        [grpc]
          address = "\(dir)/c.sock"
        [plugins."io.containerd.internal.v1.opt"]
          path = "\(dir)/opt"
        """
    }

    @Test func forwardedTaskExitReachesContainerd() async throws {
        let dir = "/tmp/ttrpc-ctd-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Self.config(dir).write(toFile: "\(dir)/config.toml", atomically: true, encoding: .utf8)
        let socket = "\(dir)/c.sock"
        let containerd = try ChildProcess(
            "/usr/bin/containerd", ["--config", "\(dir)/config.toml"], output: "\(dir)/containerd.log")
        defer { containerd.stop() }
        // containerd 1.6 serves ttrpc next to its gRPC socket.
        try await waitUntil("containerd's ttrpc socket") {
            FileManager.default.fileExists(atPath: socket + ".ttrpc")
        }
        let events = try ChildProcess("/usr/bin/ctr", ["-a", socket, "events"], output: "\(dir)/events.log")
        defer { events.stop() }

        let containerID = "exit-\(UUID().uuidString.prefix(8))"
        var exit = Containerd_Events_TaskExit()
        exit.containerID = containerID
        exit.id = containerID
        exit.pid = 4242
        exit.exitStatus = 42
        exit.exitedAt = Google_Protobuf_Timestamp(date: Date())
        var request = Containerd_Services_Events_Ttrpc_V1_ForwardRequest()
        request.envelope = try Containerd_Types_Envelope(event: exit, namespace: "kata-swift-test")

        let client = try await TTRPCClient.connect(to: .unixSocket(path: socket + ".ttrpc"))
        let line: String
        do {
            line = try await Self.forwardUntilSeen(client, request, containerID, log: "\(dir)/events.log")
            await client.close()
        } catch {
            await client.close()
            throw error
        }
        #expect(line.contains(" kata-swift-test /tasks/exit "))
        #expect(line.contains("\"exit_status\":42"))
        #expect(line.contains("\"pid\":4242"))
    }

    /// `ctr events` subscribes asynchronously, so forward again until its output shows the event.
    static func forwardUntilSeen(
        _ client: TTRPCClient, _ request: Containerd_Services_Events_Ttrpc_V1_ForwardRequest,
        _ marker: String,
        log: String
    ) async throws -> String {
        var found: String?
        try await waitUntil("the event in `ctr events` output") {
            let text = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            found = text.split(separator: "\n").first { $0.contains(marker) }.map(String.init)
            return found != nil
        } pulse: {
            _ = try await client.call(
                Containerd_Services_Events_Ttrpc_V1_EventsMethods.forward, request,
                options: TTRPCCallOptions(timeout: .seconds(5)))
        }
        return found ?? ""
    }
}
