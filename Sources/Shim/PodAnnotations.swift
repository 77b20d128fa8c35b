import KataCore

/// The CRI annotations that put several containers into one pod (one VM).
public struct PodAnnotations: Sendable, Equatable {
    public static let containerType = "io.kubernetes.cri.container-type"
    public static let sandboxIDKey = "io.kubernetes.cri.sandbox-id"

    public let annotations: [String: String]

    public init(_ annotations: [String: String]) { self.annotations = annotations }

    /// True for a pod's application container (it joins the pod's existing sandbox).
    public var joinsExistingSandbox: Bool { annotations[Self.containerType] == "container" }

    /// The pod sandbox this container belongs to (nil when not annotated: the container is its
    /// own sandbox). The id becomes a host path and a QEMU argument, so it must pass
    /// containerd's identifier rule.
    public func sandboxID() throws -> String? {
        guard let value = annotations[Self.sandboxIDKey], !value.isEmpty else { return nil }
        try Identifier.validate(value, field: "annotation \(Self.sandboxIDKey)")
        return value
    }
}
