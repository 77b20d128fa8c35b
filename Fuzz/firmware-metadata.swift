import Firmware
import SEV

@testable import TDX

#if canImport(Glibc)
    import Glibc
#endif

/// The measured firmware parsers on an image of fuzzed bytes: footer table, SEV metadata, TDVF
/// metadata, and (when the declared sizes are small enough to finish quickly) the SNP launch
/// digest and MRTD that consume them; then the same bytes as a TD's kernel: the PE/COFF
/// layout (every hashed range inside the file), the Linux setup header and RTMR1/RTMR2 with
/// QEMU's header patch. The parsers read files, so the input is written to one.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzFirmwareMetadata(_ data: UnsafePointer<UInt8>?, _ count: Int) -> Int32 {
    let path = FuzzImageFile.write(fuzzBytes(data, count))
    guard let image = try? FirmwareImage(path: path) else { return 0 }
    if let sections = try? image.sevMetadata(), sections.reduce(0, { $0 + Int($1.size) }) <= 64 * 4096 {
        _ = try? SNPMeasurement.snp(SEVLaunch(firmwarePath: path, vcpus: 2, vcpuSignature: 0x00a0_0f11))
    }
    if let sections = try? TDVFMetadata.parse(image),
        sections.reduce(0, { $0 + Int($1.memoryDataSize / 4096) }) <= 64
    {
        _ = try? MRTD.compute(image: image, sections: sections)
    }
    fuzzKernel(path)
    return 0
}

private func fuzzKernel(_ path: String) {
    guard let file = try? FileReader(path: path), let input = try? PatchedFile(file) else { return }
    if let layout = try? PEImage.parse(input) {
        for range in layout.authenticodeRanges {
            invariant(range.lowerBound >= 0 && range.upperBound <= file.size, "hashed range \(range) outside the file")
        }
    }
    _ = try? LinuxSetupHeader.read(file)
    let profile = TDXBootProfile(kernelHeader: .patched, initrdOption: .prefix, separator: .rtmr1, stubMeasures: true)
    _ = try? TDXDirectBoot.compute(
        kernel: path, initrd: path, commandLine: "console=hvc0", memoryBytes: 512 << 20, profile: profile)
}

/// One file per fuzzing process, rewritten for every input.
enum FuzzImageFile {
    nonisolated(unsafe) static var path: String?

    static func write(_ bytes: [UInt8]) -> String {
        let path = Self.path ?? "/tmp/kata-fuzz-firmware-\(getpid()).bin"
        Self.path = path
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        invariant(fd >= 0, "cannot create \(path)")
        let written = bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        close(fd)
        invariant(written == bytes.count, "short write to \(path)")
        return path
    }
}
