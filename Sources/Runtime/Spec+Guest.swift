import OCI

extension Spec {
    /// The spec as the guest must see it. The root filesystem is the shared copy; the mounts are
    /// `mounts` (what `Sandbox.prepareVolumes` made of the spec's: bind mounts from guest paths);
    /// host-only parts are dropped: namespace paths (host /proc paths mean nothing in the
    /// guest) and hooks (host binaries). The cgroup goes under /kata, since a systemd-style
    /// path needs systemd, which the guest lacks.
    public func forGuest(containerID: String, guestRootfs: String, mounts: [Mount]?) -> Spec {
        var spec = self
        spec.root = Root(path: guestRootfs, readonly: root?.readonly)
        spec.hooks = nil
        spec.mounts = mounts
        if var linux = spec.linux {
            linux.namespaces = linux.namespaces?.map { Namespace(type: $0.type) }
            linux.cgroupsPath = "/kata/\(containerID)"
            spec.linux = linux
        }
        return spec
    }
}
