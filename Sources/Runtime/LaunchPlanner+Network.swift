import KataCore

/// How the sandbox connects the VM to the pod's network namespace.
public struct NetworkPlan: Sendable, Equatable, Codable {
    /// The network namespace CNI configured (a bind-mounted nsfs file, e.g. /var/run/netns/cni-...).
    public var namespacePath: String

    public init(namespacePath: String) { self.namespacePath = namespacePath }
}

extension LaunchPlanner {
    /// The longest namespace path taken (PATH_MAX).
    static let maximumNamespacePathBytes = 4096

    /// Upstream's models: `tcfilter` (a tap per CNI interface, tc redirects both ways), `none`
    /// (no network device). `disable_new_netns` means the runtime takes no namespace, so no
    /// network either (the configuration check makes it go with `none`). `macvtap` is refused
    /// rather than run as something else.
    func network(_ request: LaunchRequest) throws -> NetworkPlan? {
        let runtime = configuration.runtime
        guard let path = request.networkNamespace, !path.isEmpty, !runtime.disableNewNetns else { return nil }
        switch runtime.internetworkingModel {
        case "none":
            return nil
        case "tcfilter":
            break
        default:
            throw KataError(
                .unsupported,
                "runtime.internetworking_model = \"\(runtime.internetworkingModel)\" is not supported; "
                    + "use \"tcfilter\" or \"none\"")
        }
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        guard path.hasPrefix("/"), !path.utf8.contains(0), path.utf8.count <= Self.maximumNamespacePathBytes,
            !parts.contains(where: { $0 == "." || $0 == ".." })
        else {
            throw KataError(
                .invalidArgument,
                "OCI spec linux.namespaces network path \(path.debugDescription): must be an absolute path "
                    + "without NUL, \".\" or \"..\"")
        }
        return NetworkPlan(namespacePath: path)
    }
}
