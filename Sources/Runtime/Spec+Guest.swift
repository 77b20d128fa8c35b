import OCI

extension Spec {
    /// The spec as the guest must see it. The root filesystem is the shared copy; host-only
    /// parts are dropped: namespace paths (host /proc paths mean nothing in the guest) and the
    /// network namespace, hooks
    /// (host binaries), and bind mounts of host files (not shared into the guest yet). The cgroup
    /// goes under /kata, since a systemd-style path needs systemd, which the guest lacks.
    public func forGuest(containerID: String, guestRootfs: String) -> Spec {
        var spec = self
        spec.root = Root(path: guestRootfs, readonly: root?.readonly)
        spec.hooks = nil
        spec.mounts = mounts?.filter { mount in
            let options = mount.options ?? []
            return mount.type != "bind" && !options.contains("bind") && !options.contains("rbind")
        }
        if var linux = spec.linux {
            // No network namespace of its own, as upstream: the pod's network is the guest's
            // (the agent configured the NICs there); a new one would hold only `lo`.
            linux.namespaces = linux.namespaces?.filter { $0.type != "network" }.map {
                Namespace(type: $0.type)
            }
            linux.cgroupsPath = "/kata/\(containerID)"
            spec.linux = linux
        }
        return spec
    }
}
