/// The CRI annotations that put several containers into one pod (one VM).
public struct PodAnnotations: Sendable, Equatable {
    public static let containerType = "io.kubernetes.cri.container-type"
    public static let sandboxIDKey = "io.kubernetes.cri.sandbox-id"

    public let annotations: [String: String]

    public init(_ annotations: [String: String]) { self.annotations = annotations }

    /// True for a pod's application container (it joins the pod's existing sandbox).
    public var joinsExistingSandbox: Bool { annotations[Self.containerType] == "container" }

    /// The pod sandbox this container belongs to (for the sandbox container: itself).
    public var sandboxID: String? { annotations[Self.sandboxIDKey].flatMap { $0.isEmpty ? nil : $0 } }
}
