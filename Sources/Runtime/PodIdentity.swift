/// Which Kubernetes pod a sandbox is, from the annotations containerd's CRI puts on the pod's
/// sandbox container. kata-monitor labels every series of the sandbox with it (`cri_uid`,
/// `cri_name`, `cri_namespace`, as upstream) without asking the CRI for each scrape.
public struct PodIdentity: Sendable, Equatable, Codable {
    public var uid: String
    public var name: String
    public var namespace: String

    static let uidKey = "io.kubernetes.cri.sandbox-uid"
    static let nameKey = "io.kubernetes.cri.sandbox-name"
    static let namespaceKey = "io.kubernetes.cri.sandbox-namespace"
    /// Kubernetes names are at most 253 bytes; anything longer is not from a kubelet.
    static let maxBytes = 253

    public init(uid: String, name: String, namespace: String) {
        self.uid = uid
        self.name = name
        self.namespace = namespace
    }

    /// The pod named by the annotations; nil when this is no CRI pod (no name annotation) or
    /// when a value is too long or holds control characters (it would only become a label).
    public init?(annotations: [String: String]) {
        guard let name = annotations[Self.nameKey] else { return nil }
        let values = [annotations[Self.uidKey] ?? "", name, annotations[Self.namespaceKey] ?? ""]
        for value in values {
            guard value.utf8.count <= Self.maxBytes,
                !value.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f })
            else { return nil }
        }
        self.init(uid: values[0], name: values[1], namespace: values[2])
    }
}
