import KataCore
import OCI

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// One process of a container: its init (exec id "") or an exec. Only `ContainerManager`
/// holds one, and only inside its isolation; the transitions below are the only writers of
/// `state`, each checking that it starts from the right state.
final class RuntimeProcess {
    let containerID: String
    let execID: String
    let io: ProcessIO.Paths
    private(set) var state: ProcessState
    /// Set once, with the exit: Wait awaits it.
    let exit = OnceValue<ProcessExit>()

    init(containerID: String, execID: String, io: ProcessIO.Paths, launch: ProcessLaunch) {
        self.containerID = containerID
        self.execID = execID
        self.io = io
        state = .created(launch)
    }

    /// "container c1" or "exec e1 of c1", for messages.
    var name: String { execID.isEmpty ? "container \(containerID)" : "exec \(execID) of \(containerID)" }

    /// What the process starts with; only a created process can start.
    func launch() throws -> ProcessLaunch {
        guard case .created(let launch) = state else {
            throw KataError(.failedPrecondition, "\(name) is \(state.status), not created")
        }
        return launch
    }

    /// Only a process that is not running can be deleted (a created one was never started).
    func requireDeletable() throws {
        if case .running = state {
            throw KataError(.failedPrecondition, "\(name) is still \(state.status)")
        }
    }

    /// created → running. False when the process is no longer created (it was killed before
    /// it started, or the sandbox died meanwhile): a stopped process is never revived.
    func started(relay: ProcessIO) -> Bool {
        guard case .created = state else { return false }
        state = .running(relay: relay, paused: false)
        return true
    }

    func setPaused(_ paused: Bool) {
        guard case .running(let relay, _) = state else { return }
        state = .running(relay: relay, paused: paused)
    }

    /// → stopped, once: the relay is cancelled (its output was delivered already, or nobody
    /// will read it) and the exit is returned; nil when the process had stopped already.
    func stop(status: UInt32, at date: Date) -> ProcessExit? {
        if case .stopped = state { return nil }
        state.relay?.cancel()
        let exit = ProcessExit(status: status, exitedAt: date)
        state = .stopped(exit)
        return exit
    }

    /// The process is forgotten (deleted, or its sandbox stopped): a relay still waiting on a
    /// FIFO open or reading stdin would hold a thread and a pipe.
    func release() { state.relay?.cancel() }

    func snapshot(bundle: String) -> ProcessSnapshot {
        ProcessSnapshot(
            containerID: containerID, execID: execID, bundle: bundle, io: io, status: state.status,
            exit: state.exit)
    }
}
