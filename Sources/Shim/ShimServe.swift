import Foundation
import KataConfig
import KataCore
import Logging
import Protocols
import Runtime
import TTRPC

#if canImport(Glibc)
    import Glibc
#endif

/// The serving shim: the task API on its socket until Shutdown (or SIGTERM) with nothing left
/// to serve; then the VM is gone and the socket removed.
enum ShimServe {
    static func run(_ args: ShimArguments, dialer: @escaping AgentDialer, logger: Logger) async throws {
        let socket = ShimSocketAddress.path(
            containerdAddress: args.address, namespace: args.namespace, id: args.id)
        let events = EventPublisher(
            address: ProcessInfo.processInfo.environment["TTRPC_ADDRESS"] ?? "", namespace: args.namespace,
            logger: logger)
        let done = Latch()
        let service = TaskService(
            namespace: args.namespace, shimID: args.id, events: events, dialer: dialer,
            loadConfiguration: { annotations, shimConfigPath in
                try ConfigurationLoader.loadForShim(
                    annotations: annotations, shimConfigPath: shimConfigPath, logger: logger
                ).configuration
            },
            logger: logger, onShutdown: { done.open() })
        try FileManager.default.createDirectory(
            atPath: ShimSocketAddress.directory, withIntermediateDirectories: true)
        let server = TTRPCServer(services: service.services(), logger: logger)
        _ = try await server.listen(on: .unixSocket(path: socket))
        logger.info("shim serving", metadata: ["socket": "\(socket)"])

        let termination = TerminationSignal.install { done.open() }
        await done.wait()
        termination.cancel()
        await service.shutdown(Containerd_Task_V2_ShutdownRequest(), force: true)
        // Let the Shutdown reply leave before the connection goes.
        try? await Task.sleep(for: .milliseconds(50))
        await server.shutdown()
        unlink(socket)
        logger.info("shim exiting")
    }
}

/// SIGTERM and SIGINT become a call to `handler` (once), through a dispatch source.
final class TerminationSignal: @unchecked Sendable {  // sources are fixed at init; cancel() is thread-safe
    private let sources: [any DispatchSourceSignal]

    private init(sources: [any DispatchSourceSignal]) { self.sources = sources }

    static func install(_ handler: @escaping @Sendable () -> Void) -> TerminationSignal {
        let sources = [SIGTERM, SIGINT].map { number -> any DispatchSourceSignal in
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler(handler: handler)
            source.resume()
            return source
        }
        return TerminationSignal(sources: sources)
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
