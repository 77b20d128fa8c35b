import OCI

extension Spec {
    /// The spec as the guest must see it. The root filesystem is the shared copy; the mounts are
    /// `mounts` (what `Sandbox.prepareVolumes` made of the spec's: bind mounts from guest paths);
    /// host-only parts are dropped: namespace paths (host /proc paths mean nothing in the
    /// guest), the network namespace and hooks (host binaries); a spec with a hostname gets its
    /// UTS namespace. The cgroup goes under /kata, since a systemd-style path needs systemd,
    /// which the guest lacks.
    public func forGuest(containerID: String, guestRootfs: String, mounts: [Mount]?) -> Spec {
        var spec = self
        spec.root = Root(path: guestRootfs, readonly: root?.readonly)
        spec.hooks = nil
        spec.mounts = mounts
        if var linux = spec.linux {
            // No network namespace of its own, as upstream: the pod's network is the guest's
            // (the agent configured the NICs there); a new one would hold only `lo`.
            linux.namespaces = linux.namespaces?.filter { $0.type != "network" }.map {
                Namespace(type: $0.type)
            }
            // A pod on the node's network shares the node's UTS namespace on the host; in the
            // guest the VM is the pod's, and crun sets a hostname only in a namespace of its own.
            if hostname?.isEmpty == false, linux.namespaces?.contains(where: { $0.type == "uts" }) != true {
                linux.namespaces = (linux.namespaces ?? []) + [Namespace(type: "uts")]
            }
            linux.cgroupsPath = "/kata/\(containerID)"
            spec.linux = linux
        }
        return spec
    }
}
