import ArgumentParser
import KataCore
import LocalHTTP
import Runtime

/// `kata-runtime metrics SANDBOX`: that sandbox's metrics, as its shim serves them to kata-monitor.
public struct MetricsCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "metrics", abstract: "Print the Prometheus metrics of a running sandbox.")

    @Argument(help: "The sandbox id.")
    var sandbox: String

    @Option(help: ArgumentHelp("Where the shims keep their sandboxes' state.", visibility: .hidden))
    var stateRoot = SandboxPaths.defaultStateRoot

    public init() {}

    public func run() async throws {
        try Identifier.validate(sandbox, field: "sandbox")
        let socket = SandboxPaths(sandboxID: sandbox, stateRoot: stateRoot).monitorSocket
        let reply: LocalHTTPClient.Response
        do {
            reply = try await LocalHTTPClient.get(socketPath: socket, path: "/metrics", timeout: .seconds(10))
        } catch {
            throw KataError(.notFound, "sandbox \(sandbox): no running shim answers on \(socket) (\(error))")
        }
        guard reply.status == .ok else {
            throw KataError(
                .remote, "sandbox \(sandbox): the shim answered \(reply.status.code): \(reply.body)")
        }
        print(reply.body, terminator: "")
    }
}
