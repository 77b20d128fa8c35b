import Firmware
import KataConfig
import KataCore
import TDX

/// The firmware and kernel checks: a confidential guest needs firmware that can measure what it
/// boots, and firmware starts the kernel through its EFI stub.
extension LaunchPlanner {
    /// Where AMD's firmware must come from when Debian's does not do.
    static let sevFirmwareAdvice =
        "use an OVMF built from OvmfPkg/AmdSev/AmdSevX64.dsc (the AmdSev package), such as upstream "
        + "Kata's ovmf-sev asset or Ubuntu's ovmf-amdsev (/usr/share/ovmf/OVMF.amdsev.fd); Debian's "
        + "/usr/share/ovmf/OVMF.fd is the generic OvmfPkgX64 build and has no hashes table"

    /// The firmware path for the description (nil: the backend's BIOS), checked for a confidential
    /// guest; with any firmware, the kernel must be a PE bzImage.
    func checkedFirmware(for protection: GuestProtection) throws -> String? {
        let q = configuration.hypervisor
        let path = q.firmware
        if protection.isConfidential {
            guard !path.isEmpty else {
                throw KataError(
                    .invalidConfig,
                    "hypervisor.qemu.firmware: \(protection.plannerArticleName) guest boots from UEFI firmware "
                        + "that measures the kernel; none is configured")
            }
            try checkFirmware(path, for: protection)
        }
        if !path.isEmpty { try Self.checkKernelBootsFromFirmware(q.kernel) }
        return path.isEmpty ? nil : path
    }

    private func checkFirmware(_ path: String, for protection: GuestProtection) throws {
        let image: FirmwareImage
        do {
            image = try FirmwareImage(path: path)
        } catch let error as KataError {
            throw KataError(.invalidConfig, "hypervisor.qemu.firmware: \(path): \(error.message)")
        }
        switch protection {
        case .none:
            return
        case .sev, .sevES, .snp:
            // QEMU's kernel-hashes=on writes the kernel, initrd and command line hashes into the
            // page the firmware reserves for them; without it they are not measured at all.
            guard image.supportsSEVHashTable else {
                throw KataError(
                    .invalidConfig,
                    "hypervisor.qemu.firmware: \(path) reserves no SEV hashes table (no non-zero SEV "
                        + "hash-table GPA in its OVMF footer table), so \(protection.plannerArticleName) guest's "
                        + "kernel, initrd and command line would not be measured; \(Self.sevFirmwareAdvice)")
            }
            if protection == .snp {
                let sections = try wrapped(path) { try image.sevMetadata() }
                guard !sections.isEmpty else {
                    throw KataError(
                        .invalidConfig,
                        "hypervisor.qemu.firmware: \(path) has no SEV metadata sections, which an SEV-SNP "
                            + "launch needs; \(Self.sevFirmwareAdvice)")
                }
            }
            if protection != .sev { _ = try wrapped(path) { try image.sevESResetEIP() } }
        case .tdx:
            _ = try wrapped(path) { try TDVFMetadata.parse(image) }
        }
    }

    private func wrapped<T>(_ path: String, _ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as KataError {
            // The parsers already name the file.
            throw KataError(.invalidConfig, "hypervisor.qemu.firmware: \(error.message)")
        }
    }

    /// With firmware the kernel must be a bzImage: firmware starts it through its EFI stub, which
    /// the unpacked ELF `vmlinux` (the plain configuration's faster choice) does not have.
    static func checkKernelBootsFromFirmware(_ kernel: String) throws {
        let format: KernelImageFormat
        do {
            format = try KernelImageFormat.identify(path: kernel)
        } catch let error as KataError {
            throw KataError(.invalidConfig, "hypervisor.qemu.kernel: \(kernel): \(error.message)")
        }
        switch format {
        case .peBzImage:
            return
        case .elf:
            throw KataError(
                .invalidConfig,
                "hypervisor.qemu.kernel: \(kernel) is an ELF vmlinux; with firmware the kernel is started "
                    + "through its EFI stub, so it must be a bzImage (PE), e.g. "
                    + "/usr/share/kata-containers/vmlinuz-confidential.container")
        case .unknown(let what):
            throw KataError(
                .invalidConfig,
                "hypervisor.qemu.kernel: \(kernel) is not a bzImage (\(what)); with firmware the kernel "
                    + "must be a PE image with an EFI stub")
        }
    }
}
