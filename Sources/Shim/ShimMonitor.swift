import Foundation
import LocalHTTP
import Runtime
import VirtualMachine

/// The sandbox's management socket (`<state dir>/shim-monitor.sock`, HTTP), as upstream's:
/// `GET /metrics` answers Prometheus text about the shim and QEMU processes and the guest (agent
/// GetMetrics), for kata-monitor; `GET /agent-url` how the host reaches the agent; `GET
/// /measurement` the launch measurement computed before the VM started (JSON), 404 for a plain VM.
enum ShimMonitor {
    static func start(socketPath: String, routes: [String: HTTPRoute]) async throws -> LocalHTTPServer {
        try await LocalHTTPServer.start(socketPath: socketPath, routes: routes)
    }
}

extension HTTPRoute {
    /// The measurement as JSON (with the initdata digest, `initdata`, when the pod has one), or
    /// 404 saying why there is none — and naming an initdata digest that nothing attests.
    static func measurement(_ measurement: ExpectedMeasurement?, initdata: InitdataBinding? = nil)
        -> HTTPRoute
    {
        if let measurement, let data = try? JSONEncoder.sortedPretty.encode(measurement) {
            return HTTPRoute(
                fixed: Reply(
                    contentType: "application/json", body: String(decoding: data, as: UTF8.self) + "\n"))
        }
        let unbound =
            initdata.map {
                "; initdata \($0.algorithm) \($0.digest) was delivered to the guest, bound to no hardware"
            } ?? ""
        return HTTPRoute(
            fixed: Reply(
                status: .notFound,
                body: "no launch measurement: this sandbox is not a confidential guest\(unbound)\n"))
    }

    /// The agent's address as upstream's shim prints it: `vsock://CID:PORT`, or, for our
    /// virtio-serial channel, `unix://` and the socket QEMU serves it on.
    static func agentURL(_ channel: AgentChannel) -> HTTPRoute {
        let url =
            switch channel {
            case .vsock(let cid, let port): "vsock://\(cid):\(port)"
            case .virtioSerial(let socketPath): "unix://\(socketPath)"
            }
        return HTTPRoute(fixed: Reply(body: url))
    }
}

extension JSONEncoder {
    /// Stable output for reports: sorted keys, indented.
    static var sortedPretty: JSONEncoder {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return encoder
    }
}
