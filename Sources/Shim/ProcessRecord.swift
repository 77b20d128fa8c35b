import Foundation
import KataCore
import OCI
import Protocols
import Runtime
import SwiftProtobuf

/// One process containerd knows of: a container's init (exec id "") or an exec.
final class ProcessRecord: @unchecked Sendable {  // mutated only inside the TaskService actor
    let containerID: String
    let execID: String
    let io: ProcessIO.Paths
    /// For an exec: the process to start (from the Exec request).
    let execSpec: OCI.Process?
    var status: Containerd_V1_Types_Status = .created
    var exitStatus: UInt32 = 0
    var exitedAt: Date?
    var relay: ProcessIO?
    let exited = Latch()

    init(containerID: String, execID: String, io: ProcessIO.Paths, execSpec: OCI.Process?) {
        self.containerID = containerID
        self.execID = execID
        self.io = io
        self.execSpec = execSpec
    }

    var exitedAtTimestamp: Google_Protobuf_Timestamp {
        exitedAt.map { Google_Protobuf_Timestamp(date: $0) } ?? Google_Protobuf_Timestamp()
    }
}

/// A container of this shim: its bundle, spec and processes.
final class ContainerRecord: @unchecked Sendable {  // mutated only inside the TaskService actor
    let id: String
    let bundle: String
    let spec: Spec
    let initProcess: ProcessRecord
    var execs: [String: ProcessRecord] = [:]

    init(id: String, bundle: String, spec: Spec, initProcess: ProcessRecord) {
        self.id = id
        self.bundle = bundle
        self.spec = spec
        self.initProcess = initProcess
    }

    func process(_ execID: String) -> ProcessRecord? { execID.isEmpty ? initProcess : execs[execID] }
}
