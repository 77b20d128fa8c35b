import Agent
import Logging

extension Sandbox {
    /// Before CreateSandbox, as upstream: each interface (found by MAC in the guest), then the
    /// routes (directly connected first), then the permanent neighbours.
    static func configureGuestNetwork(_ network: AttachedNetwork, agent: any KataAgent) async throws {
        for endpoint in network.endpoints { try await agent.updateInterface(endpoint.guest) }
        if !network.routes.isEmpty { try await agent.updateRoutes(network.routes) }
        if !network.neighbours.isEmpty { try await agent.addARPNeighbors(network.neighbours) }
    }

    static func logProblems(_ problems: [String], logger: Logger) {
        for problem in problems { logger.error("pod network clean-up: \(problem)") }
    }
}
