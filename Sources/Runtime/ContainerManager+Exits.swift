import Agent
import KataCore

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

extension ContainerManager {
    /// Waits for the process in the guest, then for its output to reach the FIFOs, and only
    /// then reports the exit: `ctr run` must not lose the last lines.
    func watchExit(_ process: RuntimeProcess, relay: ProcessIO, agent: any KataAgent) {
        let (containerID, execID, name) = (process.containerID, process.execID, process.name)
        let logger = logger
        Task {
            let code: Int32
            do {
                code = try await agent.waitProcess(containerID: containerID, execID: execID)
            } catch {
                logger.error("waiting for \(name) failed: \(error)")
                code = 255
            }
            await relay.waitForOutput()
            // An OOM-killed init dies of SIGKILL; containerd's CRI takes the container's reason
            // (OOMKilled) from a TaskOOM it saw before the exit, so that comes first.
            if execID.isEmpty, code == Self.sigkillExit {
                await waitForOOMReport(containerID, within: Self.oomGrace)
            }
            exited(process, code: code)
        }
    }

    /// Reports the exit once; a later report (the sandbox's death and the failed WaitProcess
    /// both see a dead sandbox) is ignored.
    func exited(_ process: RuntimeProcess, code: Int32) {
        guard let exit = process.stop(status: UInt32(bitPattern: code), at: Date()) else { return }
        onEvent(.processExited(containerID: process.containerID, execID: process.execID, exit: exit))
        process.exit.set(exit)
    }

    /// The sandbox died (its VM exited, or its agent stopped answering): every process is
    /// reported exited with 255, as upstream, so every Wait returns. Delete then only forgets.
    public func sandboxDied() {
        sandboxGone = true
        stopWatchingOOM()
        for container in containers.values {
            container.processes.forEach { exited($0, code: 255) }
        }
    }

    /// Stops the sandbox (once); no stdio relay outlives it. Processes still running are not
    /// reported exited: whoever stops the sandbox forgets them.
    public func stopSandbox() async {
        guard !stopRequested else { return }
        stopRequested = true
        sandboxGone = true
        stopWatchingOOM()
        for container in containers.values { container.processes.forEach { $0.release() } }
        await sandbox.stop()
    }
}
