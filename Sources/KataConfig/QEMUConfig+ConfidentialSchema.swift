import KataCore

extension QEMUConfig {
    /// This runtime's additions to `[hypervisor.qemu]`. Protection, policies and TDX identities
    /// have no annotation: they are part of what a verifier checks and stay with the host's owner.
    static var confidentialFields: [Field] {
        [
            .choice("accelerator", \.accelerator, annotation: .named("accelerator")),
            .choice("agent_transport", \.agentTransport, annotation: .named("agent_transport")),
            .choice("guest_protection", \.guestProtection),
            Field(
                key: "sev_policy", kind: .integer,
                store: { (config, value) throws(FieldProblem) in
                    guard case .integer(let policy) = value, let bits = UInt32(exactly: policy) else {
                        throw FieldProblem("must fit in 32 bits")
                    }
                    config.sevPolicy = bits
                }, annotation: nil),
            snpPolicyField("snp_guest_policy", other: "snp_policy"),
            snpPolicyField("snp_policy", other: "snp_guest_policy"),
            base64Field("snp_id_block", \.snpIDBlock, size: 96),
            base64Field("snp_id_auth", \.snpIDAuth, size: 4096),
            measurementField("tdx_mrconfigid", \.tdx.mrConfigID),
            measurementField("tdx_mrowner", \.tdx.mrOwner),
            measurementField("tdx_mrownerconfig", \.tdx.mrOwnerConfig),
            .string("tdx_quote_generation_socket", \.tdx.quoteGenerationSocket),
            .string("tdx_firmware_edk2_release", \.tdx.firmwareEDK2Release),
            .integer(
                "tdx_quote_generation_service_socket_port", \.tdx.quoteGenerationServicePort, in: 0...65535),
        ]
    }

    /// Settings only an annotation gives (not keys of `[hypervisor.qemu]`).
    static var annotationOnlyFields: [Field] {
        [.string("cc_init_data", \.initdata, annotation: .named("cc_init_data"))]
    }

    /// The SEV-SNP guest policy (SNP_LAUNCH_START POLICY): upstream names it `snp_guest_policy`,
    /// this runtime first read `snp_policy`; both are accepted, and two that disagree are refused.
    private static func snpPolicyField(_ key: String, other: String) -> Field {
        Field(
            key: key, kind: .integer,
            store: { (config, value) throws(FieldProblem) in
                // SNP ABI: bit 17 is reserved and must be one; the value is a 64-bit field.
                guard case .integer(let policy) = value, let bits = UInt64(exactly: policy) else {
                    throw FieldProblem("must be a non-negative 64-bit value")
                }
                guard bits & (1 << 17) != 0 else { throw FieldProblem("bit 17 (reserved) must be set") }
                if let theirs = config.snpPolicyByKey[other], theirs != bits {
                    throw FieldProblem(
                        "0x\(String(bits, radix: 16)) contradicts hypervisor.qemu.\(other) = "
                            + "0x\(String(theirs, radix: 16)); set one of them")
                }
                config.snpPolicyByKey[key] = bits
                config.snpPolicy = bits
            }, annotation: nil)
    }

    /// A base64 string that must decode to exactly `size` bytes; "" leaves it unset.
    private static func base64Field(_ key: String, _ path: WritableKeyPath<QEMUConfig, String?>, size: Int)
        -> Field
    {
        optionalStringField(key, path) { (text) throws(FieldProblem) in
            guard let count = Base64.decodedCount(text) else { throw FieldProblem("not valid base64") }
            guard count == size else { throw FieldProblem("decodes to \(count) bytes; expected \(size)") }
            return text
        }
    }

    /// A 48-byte TDX measurement register written as 96 hex digits; "" leaves it unset.
    private static func measurementField(_ key: String, _ path: WritableKeyPath<QEMUConfig, [UInt8]?>)
        -> Field
    {
        optionalStringField(key, path) { (text) throws(FieldProblem) in
            guard let bytes = Hex.decode(text), bytes.count == 48 else {
                throw FieldProblem("expected 96 hex digits (48 bytes)")
            }
            return bytes
        }
    }

    /// A string key whose "" leaves the setting unset; any other text is `decode`d or refused.
    private static func optionalStringField<Value>(
        _ key: String, _ path: WritableKeyPath<QEMUConfig, Value?>,
        decode: @escaping (String) throws(FieldProblem) -> Value
    ) -> Field {
        Field(
            key: key, kind: .string,
            store: { (config, value) throws(FieldProblem) in
                guard case .string(let text) = value else { return }
                config[keyPath: path] = text.isEmpty ? nil : try decode(text)
            }, annotation: nil)
    }

    /// Upstream keys (Go runtime `katautils` and the shipped `configuration-qemu*.toml.in`) that this
    /// runtime does not act on: accepted silently so that an upstream file loads unchanged.
    static var unusedFields: [Field] {
        let strings = [
            "jailer_path", "ctlpath", "vhost_user_store_path", "guest_memory_dump_path",
            "extra_monitor_socket", "remote_hypervisor_socket", "kernel_verity_params",
        ]
        let integers = [
            "vhost_user_reconnect_timeout_sec", "rx_rate_limiter_max_rate", "tx_rate_limiter_max_rate",
            "memory_offset", "disk_rate_limiter_bw_max_rate", "disk_rate_limiter_bw_one_time_burst",
            "disk_rate_limiter_ops_max_rate", "disk_rate_limiter_ops_one_time_burst",
            "net_rate_limiter_bw_max_rate", "net_rate_limiter_bw_one_time_burst",
            "net_rate_limiter_ops_max_rate", "net_rate_limiter_ops_one_time_burst", "hypervisor_loglevel",
            "virtio_fs_cache_size", "virtio_fs_queue_size", "pcie_switch_port", "remote_hypervisor_timeout",
        ]
        let booleans = [
            "enable_vhost_user_store", "guest_memory_dump_paging", "block_device_cache_set",
            "block_device_cache_direct", "block_device_cache_noflush", "enable_virtio_mem", "enable_iommu",
            "enable_iommu_platform", "hotplug_vfio_on_root_bus", "enable_guest_swap", "disable_selinux",
            "disable_guest_selinux", "use_vsock", "reclaim_guest_freed_memory",
        ]
        let lists = ["valid_jailer_paths", "valid_ctlpaths", "valid_vhost_user_store_paths"]
        return strings.map { .unused($0, .string) } + integers.map { .unused($0, .integer) }
            + booleans.map { .unused($0, .boolean) } + lists.map { .unused($0, .stringList) }
    }
}
