extension QEMUConfig {
    typealias Field = ConfigField<QEMUConfig>

    /// Every key `[hypervisor.qemu]` may hold. Annotation names are upstream's
    /// (`io.katacontainers.config.hypervisor.<name>`).
    static var fields: [Field] {
        assetFields + machineFields + deviceFields + securityFields + confidentialFields + unusedFields
    }

    private static var assetFields: [Field] {
        [
            .string(
                "path", \.path,
                annotation: .path("path", within: \.validHypervisorPaths, "valid_hypervisor_paths")),
            .string(
                "kernel", \.kernel,
                annotation: .path("kernel", within: \.validKernelPaths, "valid_kernel_paths")),
            .string(
                "image", \.image, annotation: .path("image", within: \.validImagePaths, "valid_image_paths")),
            .string(
                "initrd", \.initrd,
                annotation: .path("initrd", within: \.validInitrdPaths, "valid_initrd_paths")),
            .string(
                "firmware", \.firmware,
                annotation: .path("firmware", within: \.validFirmwarePaths, "valid_firmware_paths")),
            .string(
                "firmware_volume", \.firmwareVolume,
                annotation: .path(
                    "firmware_volume", within: \.validFirmwareVolumePaths, "valid_firmware_volume_paths")),
            .strings("pflashes", \.pflashes),
            .string("rootfs_type", \.rootfsType, oneOf: ["ext4", "xfs", "erofs"]),
        ]
    }

    private static var machineFields: [Field] {
        [
            .string("machine_type", \.machineType, annotation: .named("machine_type")),
            .string(
                "machine_accelerators", \.machineAccelerators, annotation: .named("machine_accelerators")),
            .string("cpu_features", \.cpuFeatures, annotation: .named("cpu_features")),
            .string("kernel_params", \.kernelParams, annotation: .named("kernel_params")),
            .string("seccompsandbox", \.seccompSandbox),
            .boolean("enable_debug", \.enableDebug),
            vcpusField,
            .integer(
                "default_maxvcpus", \.defaultMaxVCPUs, in: 0...4096, annotation: .named("default_max_vcpus")),
            .integer(
                "default_memory", \.defaultMemory, in: 0...(1 << 24), annotation: .named("default_memory")),
            .integer("default_maxmemory", \.defaultMaxMemory, in: 0...(1 << 30)),
            .integer("memory_slots", \.memorySlots, in: 0...512, annotation: .named("memory_slots")),
            .integer("default_bridges", \.defaultBridges, in: 0...5),
            .integer("pcie_root_port", \.pcieRootPort, in: 0...16, annotation: .named("pcie_root_port")),
            .string("hot_plug_vfio", \.hotPlugVFIO, oneOf: vfioPorts, annotation: .named("hot_plug_vfio")),
            .string("cold_plug_vfio", \.coldPlugVFIO, oneOf: vfioPorts, annotation: .named("cold_plug_vfio")),
        ]
    }

    private static let vfioPorts = ["no-port", "bridge-port", "root-port", "switch-port"]

    /// Accepts an integer or (Kata 3.x) a float, rounded up as upstream sizes QEMU's -smp.
    private static var vcpusField: Field {
        Field(
            key: "default_vcpus", kind: .number,
            store: { (config, value) throws(FieldProblem) in
                switch value {
                case .integer(let count) where abs(count) <= 4096: config.defaultVCPUs = count
                case .float(let count) where abs(count) <= 4096: config.defaultVCPUs = Int(count.rounded(.up))
                default: throw FieldProblem("must be between -4096 and 4096")
                }
            }, annotation: .named("default_vcpus"))
    }

    private static var deviceFields: [Field] {
        [
            .string(
                "block_device_driver", \.blockDeviceDriver,
                oneOf: ["virtio-scsi", "virtio-blk", "virtio-mmio", "nvdimm", "virtio-blk-ccw"],
                annotation: .named("block_device_driver")),
            .string(
                "block_device_aio", \.blockDeviceAIO, oneOf: ["threads", "native", "io_uring"],
                annotation: .named("block_device_aio")),
            .boolean(
                "disable_block_device_use", \.disableBlockDeviceUse,
                annotation: .named("disable_block_device_use")),
            .boolean(
                "disable_image_nvdimm", \.disableImageNvdimm, annotation: .named("disable_image_nvdimm")),
            .boolean("enable_iothreads", \.enableIOThreads, annotation: .named("enable_iothreads")),
            .string(
                "shared_fs", \.sharedFS, oneOf: ["virtio-fs", "virtio-9p", "virtio-fs-nydus", "none"],
                annotation: .named("shared_fs")),
            .string(
                "virtio_fs_daemon", \.virtioFSDaemon,
                annotation: .path(
                    "virtio_fs_daemon", within: \.validVirtioFSDaemonPaths, "valid_virtio_fs_daemon_paths")),
            .string(
                "virtio_fs_cache", \.virtioFSCache, oneOf: ["never", "auto", "always", "metadata"],
                annotation: .named("virtio_fs_cache")),
            .strings("virtio_fs_extra_args", \.virtioFSExtraArgs),
            .integer("msize_9p", \.msize9p, in: 0...(1 << 20), annotation: .named("msize_9p")),
            .string(
                "entropy_source", \.entropySource,
                annotation: .path("entropy_source", within: \.validEntropySources, "valid_entropy_sources")),
            .boolean("disable_vhost_net", \.disableVhostNet, annotation: .named("disable_vhost_net")),
            .boolean("use_legacy_serial", \.useLegacySerial, annotation: .named("use_legacy_serial")),
            .boolean("enable_mem_prealloc", \.enableMemPrealloc, annotation: .named("enable_mem_prealloc")),
            .boolean("enable_hugepages", \.enableHugepages, annotation: .named("enable_hugepages")),
            .string(
                "file_mem_backend", \.fileMemBackend,
                annotation: .path(
                    "file_mem_backend", within: \.validFileMemBackends, "valid_file_mem_backends")),
        ]
    }

    private static var securityFields: [Field] {
        [
            .boolean("rootless", \.rootless, annotation: .named("rootless")),
            .boolean("disable_seccomp", \.disableSeccomp),
            .boolean("disable_nesting_checks", \.disableNestingChecks),
            .string("guest_hook_path", \.guestHookPath, annotation: .named("guest_hook_path")),
            .boolean("confidential_guest", \.confidentialGuest),
            .boolean("sev_snp_guest", \.sevSNPGuest),
            .strings("enable_annotations", \.enableAnnotations),
            .strings("valid_hypervisor_paths", \.validHypervisorPaths),
            .strings("valid_kernel_paths", \.validKernelPaths),
            .strings("valid_image_paths", \.validImagePaths),
            .strings("valid_initrd_paths", \.validInitrdPaths),
            .strings("valid_firmware_paths", \.validFirmwarePaths),
            .strings("valid_firmware_volume_paths", \.validFirmwareVolumePaths),
            .strings("valid_virtio_fs_daemon_paths", \.validVirtioFSDaemonPaths),
            .strings("valid_entropy_sources", \.validEntropySources),
            .strings("valid_file_mem_backends", \.validFileMemBackends),
        ]
    }
}
