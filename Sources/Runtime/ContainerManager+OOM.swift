import Agent
import KataCore

extension ContainerManager {
    /// The exit status of a process killed by SIGKILL (128 + 9), as the OOM killer kills.
    static let sigkillExit: Int32 = 137
    /// How long the exit of a SIGKILLed init process waits for an OOM report of its container.
    /// The guest hands the kill over before it answers WaitProcess, so a real OOM kill is
    /// reported well within this; a SIGKILL sent by a user pays it in full.
    static let oomGrace: Duration = .milliseconds(500)
    /// A failing GetOOMEvent is retried after this, doubling up to `oomRetryLimit`.
    static let oomRetryFirst: Duration = .milliseconds(100)
    static let oomRetryLimit: Duration = .seconds(10)

    /// Starts the sandbox's one GetOOMEvent loop, once. It ends when the sandbox stops or dies
    /// (the call then fails, which is no failure to log); an agent that keeps failing the call
    /// is asked again only after a growing pause.
    func watchOOM() {
        guard oomWatch == nil, !sandboxGone else { return }
        let agent = sandbox.agent
        let logger = logger
        oomWatch = Task { [weak self] in
            var pause = Self.oomRetryFirst
            while !Task.isCancelled {
                do {
                    let id = try await agent.getOOMEvent()
                    pause = Self.oomRetryFirst
                    await self?.outOfMemory(id)
                } catch {
                    guard let self, await !self.sandboxGone, !Task.isCancelled else { return }
                    logger.warning("GetOOMEvent failed (asking again in \(pause)): \(error)")
                    try? await Task.sleep(for: pause)
                    pause = min(pause * 2, Self.oomRetryLimit)
                }
            }
        }
    }

    func stopWatchingOOM() {
        oomWatch?.cancel()
        oomWatch = nil
        let waiting = oomWaiters.values.flatMap { $0 }
        oomWaiters = [:]
        waiting.forEach { $0.waiter.resume() }
    }

    /// The guest named a container whose process the OOM killer killed: TaskOOM for it. An id
    /// the guest made up (no such container here) is logged and dropped.
    func outOfMemory(_ id: String) {
        guard containers[id] != nil else {
            logger.warning(
                "the guest reported an OOM kill in unknown container \(id.prefix(80).debugDescription)")
            return
        }
        oomReported.insert(id)
        onEvent(.outOfMemory(containerID: id))
        oomWaiters.removeValue(forKey: id)?.forEach { $0.waiter.resume() }
    }

    /// Returns once container `id`'s OOM kill was reported, or after `limit`, or when the
    /// sandbox stops.
    func waitForOOMReport(_ id: String, within limit: Duration) async {
        guard !oomReported.contains(id), oomWatch != nil else { return }
        nextOOMToken += 1
        let token = nextOOMToken
        await withCheckedContinuation { continuation in
            oomWaiters[id, default: []].append((token, continuation))
            Task { [weak self] in
                try? await Task.sleep(for: limit)
                await self?.oomWaitExpired(id, token: token)
            }
        }
    }

    private func oomWaitExpired(_ id: String, token: Int) {
        guard var waiting = oomWaiters[id], let index = waiting.firstIndex(where: { $0.token == token })
        else {
            return
        }
        let expired = waiting.remove(at: index)
        oomWaiters[id] = waiting.isEmpty ? nil : waiting
        expired.waiter.resume()
    }
}
