import KataCore
import LocalHTTP
import Logging
import PrometheusText

/// kata-monitor's endpoints over the sandboxes the registry knows: `/metrics` (every shim's
/// series labelled with its sandbox, plus kata-monitor's own), `/sandboxes`, `/agent-url`.
package struct KataMonitorService: Sendable {
    package let registry: SandboxRegistry
    package let metrics = MonitorMetrics()
    /// A shim that does not answer within this cannot hold up a scrape longer.
    package var shimTimeout: Duration = .seconds(3)
    let logger: Logger

    package init(registry: SandboxRegistry, logger: Logger) {
        self.registry = registry
        self.logger = logger
    }

    package var routes: [String: HTTPRoute] {
        [
            "/metrics": .prometheus { await self.scrape() },
            "/sandboxes": HTTPRoute { await self.sandboxes($0) },
            "/agent-url": HTTPRoute { await self.agentURL($0) },
        ]
    }

    /// Every shim's `/metrics`, gathered concurrently, each bounded by `shimTimeout`.
    package func scrape() async -> String {
        let started = ContinuousClock.now
        metrics.scrapes.increment()
        let entries = await registry.sorted
        metrics.runningShims.set(Int64(entries.count))
        let answers = await withTaskGroup(of: (String, Exposition?).self) { group in
            for entry in entries {
                group.addTask {
                    do {
                        let reply = try await LocalHTTPClient.get(
                            socketPath: entry.socketPath, path: "/metrics", timeout: shimTimeout)
                        guard reply.status == .ok else {
                            throw KataError(.remote, "answered \(reply.status.code)")
                        }
                        return (
                            entry.id, Exposition.parse(reply.body, extraLabels: SandboxRegistry.labels(entry))
                        )
                    } catch {
                        logger.warning(
                            "scrape failed", metadata: ["sandbox": "\(entry.id)", "error": "\(error)"])
                        return (entry.id, nil)
                    }
                }
            }
            var answers: [(String, Exposition?)] = []
            for await answer in group { answers.append(answer) }
            return answers.sorted { $0.0 < $1.0 }
        }
        var merged = Exposition()
        for (_, exposition) in answers {
            guard var exposition else {
                metrics.failedScrapes.increment()
                continue
            }
            // Our own names are ours: a shim (or the guest behind it) cannot forge them.
            exposition.removeFamilies { $0.hasPrefix("kata_monitor_") }
            merged.merge(exposition)
        }
        if merged.refused > 0 { metrics.refusedLines.increment(by: Int64(merged.refused)) }
        let elapsed = ContinuousClock.now - started
        let milliseconds = Double(elapsed.wholeNanoseconds) / 1e6
        metrics.scrapeMilliseconds.record(milliseconds)
        return metrics.rendered() + merged.rendered()
    }

    /// The sandbox ids, one a line; an HTML list (linking each agent URL) when the client asks for HTML.
    func sandboxes(_ request: HTTPRoute.Request) async -> HTTPRoute.Reply {
        let ids = await registry.sorted.map(\.id)
        guard request.accept.contains("text/html") else {
            return HTTPRoute.Reply(body: ids.map { $0 + "\n" }.joined())
        }
        let items = ids.map { "<li><a href=\"/agent-url?sandbox=\($0)\">\($0)</a></li>" }.joined(
            separator: "\n")
        return HTTPRoute.Reply(
            contentType: "text/html; charset=utf-8",
            body: "<html><body><h1>Sandboxes</h1>\n<ul>\n\(items)\n</ul></body></html>\n")
    }

    /// `?sandbox=ID`: that shim's `/agent-url`.
    func agentURL(_ request: HTTPRoute.Request) async -> HTTPRoute.Reply {
        guard let id = request.query["sandbox"], !id.isEmpty else {
            return HTTPRoute.Reply(status: .badRequest, body: "sandbox must be specified (?sandbox=ID)\n")
        }
        do {
            try Identifier.validate(id, field: "sandbox")
        } catch {
            return HTTPRoute.Reply(status: .badRequest, body: "\(error)\n")
        }
        guard let entry = await registry.entries[id] else {
            return HTTPRoute.Reply(status: .notFound, body: "sandbox \(id): no running shim\n")
        }
        do {
            let reply = try await LocalHTTPClient.get(
                socketPath: entry.socketPath, path: "/agent-url", timeout: shimTimeout, maxBytes: 4096)
            return HTTPRoute.Reply(status: reply.status, body: reply.body)
        } catch {
            return HTTPRoute.Reply(status: .badGateway, body: "sandbox \(id): \(error)\n")
        }
    }
}
