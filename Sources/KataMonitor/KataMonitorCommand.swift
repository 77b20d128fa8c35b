import ArgumentParser
import Dispatch
import KataCore
import KataLog
import LocalHTTP
import Logging
import Runtime

#if canImport(Glibc)
    import Glibc
#endif

/// `kata-monitor`: one Prometheus endpoint for every Kata sandbox on this node, with upstream's
/// flags and endpoints.
public struct KataMonitorCommand: AsyncParsableCommand {
    public static let configuration = CommandConfiguration(
        commandName: "kata-monitor",
        abstract: "Serves the metrics of every Kata sandbox on this node (/metrics, /sandboxes, /agent-url).")

    @Option(help: "The address to listen on (HOST:PORT).")
    var listenAddress = "127.0.0.1:8090"

    @Option(
        help: ArgumentHelp(
            "containerd's CRI socket. Pod names come from each sandbox's own state (the CRI annotations "
                + "the shim recorded), so kata-monitor does not call it; accepted for upstream's command lines."
        ))
    var runtimeEndpoint = "/run/containerd/containerd.sock"

    @Option(help: "trace, debug, info, warn or error.")
    var logLevel = "info"

    @Option(help: ArgumentHelp("Where the shims keep their sandboxes' state.", visibility: .hidden))
    var stateRoot = SandboxPaths.defaultStateRoot

    public init() {}

    public func run() async throws {
        let level: Logger.Level
        do { level = try KataLogging.parseLevel(logLevel) } catch {
            throw ValidationError("--log-level \(logLevel): \(error)")
        }
        let (host, port) = try Self.hostAndPort(listenAddress)
        signal(SIGPIPE, SIG_IGN)
        KataLogging.bootstrap(level: level, identifier: "kata")
        var logger = Logger(label: "kata.monitor")
        logger[metadataKey: "subsystem"] = "kata-monitor"

        let registry = SandboxRegistry(root: stateRoot)
        let watcher = try DirectoryWatcher(root: stateRoot) { Task { await registry.rescan() } }
        watcher.start()
        let service = KataMonitorService(registry: registry, logger: logger)
        let server: LocalHTTPServer
        do {
            server = try await LocalHTTPServer.start(host: host, port: port, routes: service.routes)
        } catch {
            watcher.stop()
            throw KataError(.system, "--listen-address \(listenAddress): cannot listen: \(error)")
        }
        logger.info(
            "kata-monitor listening",
            metadata: ["address": "\(server.address)", "state_root": "\(stateRoot)"])
        await Self.waitForTermination()
        logger.info("kata-monitor stopping")
        await server.stop()
        watcher.stop()
    }

    /// `HOST:PORT`, `[v6]:PORT` or `:PORT` (all addresses).
    static func hostAndPort(_ address: String) throws -> (String, Int) {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]),
            (0...65535).contains(port)
        else { throw ValidationError("--listen-address \(address): expected HOST:PORT") }
        var host = String(address[..<colon])
        if host.hasPrefix("[") && host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return (host.isEmpty ? "0.0.0.0" : host, port)
    }

    /// Returns on SIGTERM or SIGINT (ignored as signals, taken as Dispatch events, so they
    /// never kill the process half way through stopping).
    static func waitForTermination() async {
        let fired = OnceValue<Int32>()
        var sources: [any DispatchSourceSignal] = []
        for number in [SIGTERM, SIGINT] {
            signal(number, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: number, queue: .global())
            source.setEventHandler { fired.set(number) }
            source.resume()
            sources.append(source)
        }
        _ = await fired.value()
        sources.forEach { $0.cancel() }
    }
}
