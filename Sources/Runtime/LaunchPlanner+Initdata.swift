import Firmware
import Initdata
import KataCore
import VirtualMachine

/// A pod's initdata (`io.katacontainers.config.hypervisor.cc_init_data`, enabled by
/// `enable_annotations`): decoded and checked before anything starts, bound into the launch as
/// upstream does — SNP `host-data` = the digest's first 32 bytes, TDX `mrconfigid` = its first
/// 48, zero-padded when shorter — and delivered as a read-only disk, with or without a TEE.
extension LaunchPlanner {
    /// The disk's device id on the hypervisor (QEMU `-device virtio-blk-pci,id=`).
    public static let initdataDiskID = "initdata"

    /// The annotation's initdata, or nil without one.
    func initdata() throws -> Initdata? {
        let value = configuration.hypervisor.initdata
        guard !value.isEmpty else { return nil }
        return try Initdata(annotation: value)
    }

    /// The launch with the digest bound where the technology has a field for it, and the
    /// binding as reported. A configured `tdx_mrconfigid` and initdata both claim MRCONFIGID:
    /// refused rather than one silently winning (upstream has no such key to conflict with).
    func bind(_ initdata: Initdata, into launch: ConfidentialLaunch?) throws -> (
        ConfidentialLaunch?, InitdataBinding
    ) {
        var binding = InitdataBinding(
            algorithm: initdata.algorithm.rawValue, digest: hexString(initdata.digest))
        switch launch {
        case .snp(var options):
            let hostData = initdata.digest(fittedTo: 32)
            options.hostData = hostData
            binding.field = "host_data"
            binding.value = hexString(hostData)
            return (.snp(options), binding)
        case .tdx(var options):
            if options.mrConfigID != nil {
                throw KataError(
                    .invalidConfig,
                    "annotation \(Initdata.annotation): the pod's initdata digest goes into TDX MRCONFIGID, which "
                        + "hypervisor.qemu.tdx_mrconfigid already sets; remove one of them")
            }
            let mrConfigID = initdata.digest(fittedTo: 48)
            options.mrConfigID = mrConfigID
            binding.field = "mr_config_id"
            binding.value = hexString(mrConfigID)
            return (.tdx(options), binding)
        case .sev, .none:
            return (launch, binding)
        }
    }
}
