import OCI

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A process's state as containerd sees it, without the resources it holds.
public enum ProcessStatus: String, Sendable, Equatable {
    case created, running, paused, stopped
}

/// How a process ended.
public struct ProcessExit: Sendable, Equatable {
    /// The exit code as containerd reports it: 128 + the signal for a signal death, 255 when
    /// the sandbox died under the process.
    public var status: UInt32
    public var exitedAt: Date

    public init(status: UInt32, exitedAt: Date) {
        self.status = status
        self.exitedAt = exitedAt
    }
}

/// What a created process needs to start.
enum ProcessLaunch {
    /// A container's init process: the agent made it with the container and holds its output
    /// from then on, so its relay runs from Create.
    case container(relay: ProcessIO)
    /// An exec: the agent hears of it only at Start, and its relay starts then.
    case exec(spec: OCI.Process)
}

/// A process's state. Each case holds what exists only in that state: a stopped process has
/// no relay left to cancel or to write to, a running one no exit status.
enum ProcessState {
    case created(ProcessLaunch)
    case running(relay: ProcessIO, paused: Bool)
    case stopped(ProcessExit)

    var status: ProcessStatus {
        switch self {
        case .created: .created
        case .running(_, let paused): paused ? .paused : .running
        case .stopped: .stopped
        }
    }

    /// The stdio relay while the process can still use one.
    var relay: ProcessIO? {
        switch self {
        case .created(.container(let relay)), .running(let relay, _): relay
        case .created(.exec), .stopped: nil
        }
    }

    var exit: ProcessExit? {
        if case .stopped(let exit) = self { return exit }
        return nil
    }
}
