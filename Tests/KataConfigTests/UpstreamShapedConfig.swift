/// A configuration shaped like the one upstream Kata installs (configuration-qemu.toml.in with
/// its placeholders filled in, comments left out): many keys this runtime does not act on, all
/// of which are real upstream keys and must load without a warning.
let upstreamShapedConfig = """
    [hypervisor.qemu]
    path = "/opt/kata/bin/qemu-system-x86_64"
    kernel = "/opt/kata/share/kata-containers/vmlinux.container"
    image = "/opt/kata/share/kata-containers/kata-containers.img"
    # initrd = "/opt/kata/share/kata-containers/kata-containers-initrd.img"
    machine_type = "q35"
    rootfs_type="ext4"
    # confidential_guest = true
    # sev_snp_guest = true
    enable_annotations = ["enable_iommu", "virtio_fs_extra_args", "kernel_params"]
    valid_hypervisor_paths = ["/opt/kata/bin/qemu-system-x86_64"]
    kernel_params = ""
    firmware = ""
    firmware_volume = ""
    machine_accelerators=""
    #seccompsandbox="on,obsolete=deny,spawn=deny,resourcecontrol=deny"
    cpu_features="pmu=off"
    default_vcpus = 1
    default_maxvcpus = 0
    default_bridges = 1
    default_memory = 2048
    #memory_slots = 10
    default_maxmemory = 0
    #memory_offset = 0
    #enable_virtio_mem = true
    disable_block_device_use = false
    shared_fs = "virtio-fs"
    virtio_fs_daemon = "/opt/kata/libexec/virtiofsd"
    valid_virtio_fs_daemon_paths = ["/opt/kata/libexec/virtiofsd"]
    virtio_fs_cache_size = 0
    virtio_fs_queue_size = 1024
    virtio_fs_extra_args = ["--thread-pool-size=1", "--announce-submounts"]
    virtio_fs_cache = "auto"
    block_device_driver = "virtio-scsi"
    block_device_aio = "io_uring"
    block_device_cache_set = false
    block_device_cache_direct = false
    block_device_cache_noflush = false
    enable_iothreads = false
    enable_mem_prealloc = false
    enable_hugepages = false
    enable_vhost_user_store = false
    vhost_user_store_path = "/var/run/kata-containers/vhost-user"
    enable_iommu = false
    enable_iommu_platform = false
    valid_vhost_user_store_paths = ["/var/run/kata-containers/vhost-user"]
    vhost_user_reconnect_timeout_sec = 0
    #file_mem_backend = ""
    valid_file_mem_backends = [""]
    pflashes = []
    enable_debug = false
    #extra_monitor_socket = "hmp"
    disable_nesting_checks = false
    msize_9p = 8192
    disable_image_nvdimm = false
    hotplug_vfio_on_root_bus = false
    hot_plug_vfio = "no-port"
    cold_plug_vfio = "no-port"
    pcie_root_port = 0
    pcie_switch_port = 0
    disable_vhost_net = false
    entropy_source= "/dev/urandom"
    valid_entropy_sources = ["/dev/urandom","/dev/random",""]
    #guest_hook_path = "/usr/share/oci/hooks"
    rx_rate_limiter_max_rate = 0
    tx_rate_limiter_max_rate = 0
    guest_memory_dump_path = ""
    guest_memory_dump_paging = false
    enable_guest_swap = false
    use_legacy_serial = false
    disable_selinux=false
    disable_guest_selinux=true
    rootless = false

    [factory]
    enable_template = false
    template_path = "/run/vc/vm/template"
    vm_cache_number = 0
    vm_cache_endpoint = "/var/run/kata-containers/cache.sock"

    [agent.kata]
    enable_debug = false
    enable_tracing = false
    kernel_modules=[]
    debug_console_enabled = false
    dial_timeout = 45
    cdh_api_timeout = 50

    [runtime]
    enable_debug = false
    internetworking_model="tcfilter"
    disable_guest_seccomp=true
    enable_vcpus_pinning = false
    #guest_selinux_label="system_u:system_r:container_t"
    enable_tracing = false
    jaeger_endpoint = ""
    jaeger_user = ""
    jaeger_password = ""
    disable_new_netns = false
    sandbox_cgroup_only=false
    static_sandbox_resource_mgmt=false
    sandbox_bind_mounts=[]
    vfio_mode="guest-kernel"
    disable_guest_empty_dir=false
    experimental=[]
    enable_pprof = false
    create_container_timeout = 60
    dan_conf = "/run/kata-containers/dans"

    """
