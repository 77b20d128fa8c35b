import Foundation
import Protocols
import SwiftProtobuf
import Testing

/// The bindings match the public definitions on the wire: field numbers and types.
@Suite struct ProtocolsTests {
    @Test func taskExitEncodesUpstreamFieldNumbers() throws {
        var exit = Containerd_Events_TaskExit()
        exit.containerID = "c"  // field 1, string
        exit.pid = 7  // field 3, varint
        exit.exitStatus = 42  // field 4, varint
        exit.exitReason = .oomkilled  // field 6, enum
        let bytes: [UInt8] = try exit.serializedBytes()
        #expect(bytes == [0x0a, 0x01, 0x63, 0x18, 0x07, 0x20, 0x2a, 0x30, 0x01])
    }

    @Test func agentRequestsEncodeUpstreamFieldNumbers() throws {
        var request = Grpc_CreateContainerRequest()
        request.containerID = "a"  // field 1
        request.sandboxPidns = true  // field 7
        request.oci.hostname = "h"  // field 6 -> Spec.Hostname field 4
        let bytes: [UInt8] = try request.serializedBytes()
        #expect(bytes == [0x0a, 0x01, 0x61, 0x32, 0x03, 0x22, 0x01, 0x68, 0x38, 0x01])
        var policy = Grpc_SetPolicyRequest()
        policy.policy = "p"
        #expect(try policy.serializedBytes() == [0x0a, 0x01, 0x70] as [UInt8])
    }

    @Test func serviceTablesListEveryMethod() {
        #expect(Containerd_Task_V2_TaskMethods.serviceName == "containerd.task.v2.Task")
        #expect(Containerd_Task_V2_TaskMethods.methodNames.count == 17)
        // Upstream's 38, plus ListProcesses (an older upstream method, kept for Pids).
        #expect(Grpc_AgentServiceMethods.methodNames.count == 39)
        #expect(Grpc_AgentServiceMethods.listProcesses.method == "ListProcesses")
        #expect(Grpc_AgentServiceMethods.methodNames.first == "CreateContainer")
        #expect(Grpc_AgentServiceMethods.setPolicy.method == "SetPolicy")
        #expect(Grpc_HealthMethods.version.service == "grpc.Health")
        #expect(
            Containerd_Services_Events_Ttrpc_V1_EventsMethods.forward.service
                == "containerd.services.events.ttrpc.v1.Events")
    }

    @Test func envelopeCarriesTopicAndBareTypeURL() throws {
        var oom = Containerd_Events_TaskOOM()
        oom.containerID = "c1"
        let envelope = try Containerd_Types_Envelope(
            event: oom, namespace: "k8s.io", timestamp: Date(timeIntervalSince1970: 5))
        #expect(envelope.topic == "/tasks/oom")
        #expect(envelope.event.typeURL == "containerd.events.TaskOOM")
        #expect(envelope.timestamp.seconds == 5)
        #expect(try envelope.event.unpack(Containerd_Events_TaskOOM.self) == oom)
        #expect(throws: AnyUnpackError.self) { try envelope.event.unpack(Containerd_Events_TaskExit.self) }
    }

    @Test func runtimeOptionsFromContainerdStdin() throws {
        // What containerd writes to the shim's stdin for `ctr run --runtime-config-path /etc/k.toml`.
        var options = Runtimeoptions_V1_Options()
        options.configPath = "/etc/k.toml"
        var any = Google_Protobuf_Any()
        any.typeURL = "runtimeoptions.v1.Options"
        any.value = try options.serializedData()
        #expect(Runtimeoptions_V1_Options.typeURL == any.typeURL)
        #expect(try any.unpack(Runtimeoptions_V1_Options.self).configPath == "/etc/k.toml")
    }
}
