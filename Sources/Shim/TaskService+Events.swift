import Foundation
import Protocols
import Runtime
import SwiftProtobuf

extension TaskService {
    /// The runtime's events as containerd's, published in the order they happen; every event
    /// carries the hypervisor's pid (the one pid containerd sees for any process of the VM).
    static func publishing(to events: EventPublisher, pid: UInt32) -> @Sendable (RuntimeEvent) -> Void {
        { event in
            switch event {
            case .processStarted(let containerID, let execID) where execID.isEmpty:
                var started = Containerd_Events_TaskStart()
                started.containerID = containerID
                started.pid = pid
                events.publish(started)
            case .processStarted(let containerID, let execID):
                var started = Containerd_Events_TaskExecStarted()
                started.containerID = containerID
                started.execID = execID
                started.pid = pid
                events.publish(started)
            case .processExited(let containerID, let execID, let exit):
                var exited = Containerd_Events_TaskExit()
                exited.containerID = containerID
                exited.id = execID.isEmpty ? containerID : execID
                exited.pid = pid
                exited.exitStatus = exit.status
                exited.exitedAt = Google_Protobuf_Timestamp(date: exit.exitedAt)
                events.publish(exited)
            case .outOfMemory(let containerID):
                var oom = Containerd_Events_TaskOOM()
                oom.containerID = containerID
                events.publish(oom)
            }
        }
    }
}

extension ProcessSnapshot {
    /// containerd's zero values before the process exited.
    var exitStatus: UInt32 { exit?.status ?? 0 }
    var exitedAtTimestamp: Google_Protobuf_Timestamp {
        exit.map { Google_Protobuf_Timestamp(date: $0.exitedAt) } ?? Google_Protobuf_Timestamp()
    }
}

extension Containerd_V1_Types_Status {
    init(_ status: ProcessStatus) {
        switch status {
        case .created: self = .created
        case .running: self = .running
        case .paused: self = .paused
        case .stopped: self = .stopped
        }
    }
}
