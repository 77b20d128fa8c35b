import SwiftProtobuf

#if canImport(FoundationEssentials)
    import FoundationEssentials
#else
    import Foundation
#endif

/// A task event a shim publishes to containerd, with the topic containerd files it under.
public protocol ContainerdEvent: SwiftProtobuf.Message {
    static var topic: String { get }
}

extension ContainerdEvent {
    /// The type URL containerd uses for this event: the bare message name, without the
    /// "type.googleapis.com/" prefix, e.g. "containerd.events.TaskExit".
    public static var typeURL: String { protoMessageName }
}

extension Containerd_Events_TaskCreate: ContainerdEvent { public static let topic = "/tasks/create" }
extension Containerd_Events_TaskStart: ContainerdEvent { public static let topic = "/tasks/start" }
extension Containerd_Events_TaskDelete: ContainerdEvent { public static let topic = "/tasks/delete" }
extension Containerd_Events_TaskExit: ContainerdEvent { public static let topic = "/tasks/exit" }
extension Containerd_Events_TaskOOM: ContainerdEvent { public static let topic = "/tasks/oom" }
extension Containerd_Events_TaskExecAdded: ContainerdEvent { public static let topic = "/tasks/exec-added" }
extension Containerd_Events_TaskExecStarted: ContainerdEvent {
    public static let topic = "/tasks/exec-started"
}
extension Containerd_Events_TaskPaused: ContainerdEvent { public static let topic = "/tasks/paused" }
extension Containerd_Events_TaskResumed: ContainerdEvent { public static let topic = "/tasks/resumed" }
extension Containerd_Events_TaskCheckpointed: ContainerdEvent {
    public static let topic = "/tasks/checkpointed"
}

extension Google_Protobuf_Any {
    /// Wraps a message under its bare full name, as containerd's typeurl package does.
    public init(bareTypeURLFor message: some SwiftProtobuf.Message) throws {
        self.init()
        typeURL = type(of: message).protoMessageName
        value = try message.serializedData()
    }

    /// Decodes the payload as `M`, accepting the bare name or any "<prefix>/<name>" URL.
    /// Throws `BinaryDecodingError` for bad bytes and `AnyUnpackError.typeMismatch` for another type.
    public func unpack<M: SwiftProtobuf.Message>(_ type: M.Type) throws -> M {
        let name = typeURL.split(separator: "/").last.map(String.init) ?? typeURL
        guard name == M.protoMessageName else { throw AnyUnpackError.typeMismatch }
        return try M(serializedBytes: value)
    }
}

extension Containerd_Types_Envelope {
    /// An envelope ready for `Events/Forward`: topic and type URL taken from the event type.
    public init(event: some ContainerdEvent, namespace: String, timestamp: Date = Date()) throws {
        self.init()
        self.timestamp = Google_Protobuf_Timestamp(date: timestamp)
        self.namespace = namespace
        self.topic = type(of: event).topic
        self.event = try Google_Protobuf_Any(bareTypeURLFor: event)
    }
}
