/// `[runtime]`: upstream option names and defaults.
public struct RuntimeConfig: Sendable, Equatable {
    public var enableDebug = false
    public var enableTracing = false
    /// How the VM is wired to the container's network interface: tcfilter, macvtap or none.
    public var internetworkingModel = "tcfilter"
    public var disableNewNetns = false
    public var disableGuestSeccomp = true
    public var sandboxCgroupOnly = false
    public var staticSandboxResourceMgmt = false
    public var experimental: [String] = []
    public var enablePprof = false
    public var guestSELinuxLabel = ""
    public var vfioMode = "guest-kernel"
    public var sandboxBindMounts: [String] = []
    public var disableGuestEmptyDir = false
    public var enableVCPUsPinning = false
    /// Seconds a CreateContainer request may take (includes a guest image pull).
    public var createContainerTimeout = 60
    public var danConf = "/run/kata-containers/dans"
    /// Globs (fnmatch, `*` within one directory) of configuration files a pod may pick with
    /// the `io.katacontainers.config_path` annotation; empty (the default): none.
    public var validConfigPaths: [String] = []

    public init() {}
}

extension RuntimeConfig {
    /// Annotation names are `io.katacontainers.config.runtime.<name>`; `experimental` is
    /// space-separated in an annotation.
    static var fields: [ConfigField<RuntimeConfig>] {
        [
            .boolean("enable_debug", \.enableDebug),
            .boolean("enable_tracing", \.enableTracing),
            .string(
                "internetworking_model", \.internetworkingModel, oneOf: ["tcfilter", "macvtap", "none"],
                annotation: .named("internetworking_model")),
            .boolean("disable_new_netns", \.disableNewNetns, annotation: .named("disable_new_netns")),
            .boolean(
                "disable_guest_seccomp", \.disableGuestSeccomp, annotation: .named("disable_guest_seccomp")),
            .boolean("sandbox_cgroup_only", \.sandboxCgroupOnly, annotation: .named("sandbox_cgroup_only")),
            .boolean("static_sandbox_resource_mgmt", \.staticSandboxResourceMgmt),
            .strings("experimental", \.experimental, annotation: .named("experimental", separator: " ")),
            .boolean("enable_pprof", \.enablePprof, annotation: .named("enable_pprof")),
            .string("guest_selinux_label", \.guestSELinuxLabel, annotation: .named("guest_selinux_label")),
            .string(
                "vfio_mode", \.vfioMode, oneOf: ["vfio", "guest-kernel"], annotation: .named("vfio_mode")),
            .strings("sandbox_bind_mounts", \.sandboxBindMounts),
            .boolean("disable_guest_empty_dir", \.disableGuestEmptyDir),
            .boolean("enable_vcpus_pinning", \.enableVCPUsPinning),
            .integer(
                "create_container_timeout", \.createContainerTimeout, in: 0...86400,
                annotation: .named("create_container_timeout")),
            .string("dan_conf", \.danConf),
            .strings("valid_config_paths", \.validConfigPaths),
            .unused("jaeger_endpoint", .string),
            .unused("jaeger_user", .string),
            .unused("jaeger_password", .string),
            .unused("experimental_force_guest_pull", .boolean),
        ]
    }
}
